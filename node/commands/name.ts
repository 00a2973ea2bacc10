import { parseDuration } from '../../config/duration.js'
import { UsageError } from '../errors.js'
import { parseContentPath } from '../content/content-path.js'
import type { IpnsName } from '../names/ipns-name.js'
import { readSmallInput } from './key.js'
import { valuesCommand } from './command.js'
import type { CairnNode } from '../node.js'

/** `name publish`, Kubo's `{Name, Value}`. */
export interface PublishResult {
  Name: string
  Value: string
}

/** `name resolve` and `resolve`: Kubo's `{Path}`. */
export interface PathResult {
  Path: string
}

/** `name inspect`: the record's fields and, when it could be checked, the validation. */
export interface InspectResult {
  Entry: {
    Value: string
    ValidityType: string
    Validity: string
    Sequence: string
    /** TTL in nanoseconds. */
    TTL: string
    PublicKey: string
    SignatureV1: string
    SignatureV2: string
  }
  Validation?: { Valid: boolean, Reason: string, Name: string }
}

// loaded on use: the command table is imported by every CLI call, these bring ipns,
// libp2p's crypto and the UnixFS exporter
const resolver = async (): Promise<typeof import('../content/resolve.js')> => await import('../content/resolve.js')
const ipnsNames = async (): Promise<typeof import('../names/ipns-name.js')> => await import('../names/ipns-name.js')

function durationOption (value: unknown, flag: string): number | undefined {
  if (typeof value !== 'string') return undefined
  try {
    return parseDuration(value)
  } catch {
    throw new UsageError(`--${flag} "${value}": use a duration such as 48h or 5m`)
  }
}

/** `<cid>[/path]` and `/ipfs/…` as `/ipfs/…`, `/ipns/…` as it is. */
function normalisePath (text: string): string {
  if (text.startsWith('/ipns/')) return text
  const path = parseContentPath(text)
  return ['/ipfs', path.root.toString(), ...path.segments].join('/')
}

export const namePublish = valuesCommand<PublishResult>({
  path: ['name', 'publish'],
  description: 'Publish an IPNS record naming a path, signed by a key (default self)',
  args: [{ name: 'ipfs-path', description: 'the /ipfs/ (or /ipns/) path the name points at', required: true }],
  options: [
    { name: 'key', short: 'k', type: 'string', default: 'self', description: 'the key to sign with (see key list)' },
    { name: 'lifetime', type: 'string', description: 'how long the record is valid (default Ipns.RecordLifetime, 48h)' },
    { name: 'ttl', type: 'string', default: '5m', description: 'how long resolvers may cache the record' },
    { name: 'allow-offline', type: 'boolean', description: 'publish to the local store alone when there is no daemon' },
    { name: 'resolve', type: 'boolean', default: true, description: 'check that the path resolves before publishing' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const value = normalisePath(args[0] as string)
    if (options.resolve !== false && value.startsWith('/ipfs/')) {
      await (await resolver()).resolvePath(node, parseContentPath(value), { signal })
    }
    const lifetime = durationOption(options.lifetime, 'lifetime')
    const ttl = durationOption(options.ttl, 'ttl')
    const published = await node.names.publish(value, {
      key: typeof options.key === 'string' ? options.key : 'self',
      allowOffline: options['allow-offline'] === true,
      signal,
      ...(lifetime != null ? { lifetime } : {}),
      ...(ttl != null ? { ttl } : {})
    })
    yield { Name: published.name, Value: published.value }
  },
  text (value) {
    return `Published to ${value.Name}: ${value.Value}`
  }
})

/**
 * `name resolve`; with `--stream`, Kubo's progressive answer: the path of each better
 * record as it is found (held first, then the DHT's), the rest of a chain resolved
 * behind each. A DNSLink name has one answer.
 */
async function * resolveStream (node: CairnNode, name: string, options: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<PathResult> {
  const recursive = options.recursive !== false
  const nocache = options.nocache === true
  const path = name.startsWith('/ipns/') ? name : `/ipns/${name}`
  const [first = '', ...rest] = path.slice('/ipns/'.length).split('/')
  if (options.stream !== true || (await ipnsNames()).isDomainName(first)) {
    yield { Path: (await node.names.resolve(path, { recursive, nocache, signal })).path }
    return
  }
  let last: string | undefined
  for await (const record of node.names.streamRecords(first, { nocache, signal })) {
    const named = [record.value.replace(/\/$/, ''), ...rest].join('/')
    const resolved = recursive && named.startsWith('/ipns/') ? (await node.names.resolve(named, { signal })).path : named
    if (resolved === last) continue
    last = resolved
    yield { Path: resolved }
  }
}

export const nameResolve = valuesCommand<PathResult>({
  path: ['name', 'resolve'],
  description: 'Resolve an IPNS name or DNSLink domain to the path it names',
  args: [{ name: 'name', description: 'k51… key name, /ipns/<name>, or a DNSLink domain', required: true }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'follow /ipns/ and DNSLink values down to an /ipfs/ path' },
    { name: 'nocache', short: 'n', type: 'boolean', description: 'ask the network, not the held record' },
    { name: 'stream', short: 's', type: 'boolean', description: 'print the path of each better record as it is found (the held one first)' }
  ],
  async * run ({ node, signal }, { args, options }) {
    yield * resolveStream(node, args[0] as string, options, signal)
  },
  text (value) {
    return value.Path
  }
})

export const resolveCommand = valuesCommand<PathResult>({
  path: ['resolve'],
  description: 'Resolve a path: /ipns/ names and DNSLink to /ipfs/, then the path inside the DAG to its CID',
  args: [{ name: 'path', description: '/ipns/<name>[/path] or /ipfs/<cid>[/path]', required: true }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'follow names until an /ipfs/ path' },
    { name: 'nocache', short: 'n', type: 'boolean', description: 'ask the network, not the held record' }
  ],
  async * run ({ node, signal }, { args, options }) {
    let path = args[0] as string
    if (path.startsWith('/ipns/')) {
      path = (await node.names.resolve(path, { recursive: options.recursive !== false, nocache: options.nocache === true, signal })).path
      if (!path.startsWith('/ipfs/')) {
        yield { Path: path }
        return
      }
    }
    const content = parseContentPath(path)
    if (content.segments.length === 0) {
      yield { Path: `/ipfs/${content.root.toString()}` }
      return
    }
    const resolved = await (await resolver()).resolvePath(node, content, { signal })
    yield { Path: `/ipfs/${resolved.entry.cid.toString()}` }
  },
  text (value) {
    return value.Path
  }
})

/**
 * The IPNS name a record file is named after, if any: `<name>.ipns-record` as the
 * gateway's `?format=ipns-record` download is called, or `<name>_….ipns-record` as the
 * conformance fixtures are. An ed25519 record carries no key (the name inlines it), so
 * this is how `name inspect` checks one without `--verify`.
 */
function nameInFileName (path: string, parseIpnsName: (text: string) => IpnsName): IpnsName | undefined {
  const base = path.split('/').at(-1) ?? ''
  const match = /^([a-z0-9]+)[._]/i.exec(base)
  if (match == null) return undefined
  try {
    return parseIpnsName(match[1] as string)
  } catch {
    return undefined
  }
}

export const nameInspect = valuesCommand<InspectResult>({
  path: ['name', 'inspect'],
  description: 'Show the fields of an IPNS record file and check its signature',
  args: [{ name: 'record', description: 'the record file (- for stdin)', required: true, kind: 'file' }],
  options: [{ name: 'verify', type: 'string', description: 'the name (k51…) to check the record against; default the key the record embeds, else the name the file is named after' }],
  async * run (_ctx, { inputs, options }) {
    const [{ path, bytes }, { decodeRecord, ipnsNameOfPeer, parseIpnsName, validateRecord }, { extractPublicKeyFromIPNSRecord }, { peerIdFromPublicKey }] = await Promise.all([
      readSmallInput(inputs, 'IPNS record', 10 * 1024),
      ipnsNames(),
      import('ipns'),
      import('@libp2p/peer-id')
    ])
    const record = decodeRecord(bytes)
    const publicKey = extractPublicKeyFromIPNSRecord(record)
    const result: InspectResult = {
      Entry: {
        Value: record.value,
        ValidityType: 'EOL',
        Validity: record.validity,
        Sequence: record.sequence.toString(),
        TTL: (record.ttl ?? 0n).toString(),
        PublicKey: record.pubKey != null ? Buffer.from(record.pubKey).toString('base64') : '',
        SignatureV1: 'signatureV1' in record ? Buffer.from(record.signatureV1).toString('base64') : '',
        SignatureV2: Buffer.from(record.signatureV2).toString('base64')
      }
    }
    const name = typeof options.verify === 'string'
      ? parseIpnsName(options.verify)
      : publicKey != null ? ipnsNameOfPeer(peerIdFromPublicKey(publicKey)) : nameInFileName(path, parseIpnsName)
    if (name != null) {
      const reason = await validateRecord(name, bytes).then(() => '', (err: Error) => err.message)
      result.Validation = { Valid: reason === '', Reason: reason, Name: name.name }
    }
    yield result
  },
  text (value) {
    const e = value.Entry
    const lines = [
      `Value:         ${e.Value}`,
      `Validity Type: ${e.ValidityType}`,
      `Validity:      ${e.Validity}`,
      `Sequence:      ${e.Sequence}`,
      `TTL:           ${Number(BigInt(e.TTL) / 1_000_000_000n)}s`,
      `Signature V1:  ${e.SignatureV1 !== '' ? 'present' : 'absent'}`,
      `Signature V2:  ${e.SignatureV2 !== '' ? 'present' : 'absent'}`
    ]
    if (value.Validation != null) {
      lines.push('', 'Validation results:', `\tValid:     ${String(value.Validation.Valid)}`, `\tReason:    ${value.Validation.Reason}`, `\tName:      ${value.Validation.Name}`)
    } else {
      lines.push('', 'Validation results: not checked (the record embeds no key and the file is not named after one; pass --verify <name>)')
    }
    return lines.join('\n')
  }
})
