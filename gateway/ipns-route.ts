import { InvalidPathError, UsageError } from '../node/errors.js'
import { isDomainName, parseIpnsName } from '../node/names/ipns-name.js'
import { encodeSegment, parseUrlPath, parseUrlSegments, type NamedRequest, type ParsedUrlPath } from './content-request.js'
import { formatMediaTypes, parseAccept } from './format.js'
import type { CairnNode } from '../node/node.js'
import type { Request, Response } from 'express'

/** Serves the resolved content of a name: the app's `/ipfs/` pipeline with the name's headers. */
export type ServeResolved = (parsed: ParsedUrlPath, name: NamedRequest) => Promise<void>

const recordType = formatMediaTypes['ipns-record']

/**
 * The DNSLink name an `<label>.ipns.<host>` label stands for: the subdomain gateway spec
 * inlines a domain's dots as `-` and its dashes as `--` so it fits in one label
 * (`en-wikipedia--on--ipfs-org` is `en.wikipedia-on-ipfs.org`). A key name is left as is.
 */
export function subdomainName (label: string): string {
  if (!label.includes('-') || isKeyName(label)) return label
  return label.replace(/--/g, '\0').replace(/-/g, '.').replace(/\0/g, '-')
}

/**
 * The subdomain URL serving `/ipns/<name><rest>`: `http://<label>.ipns.<gateway host><rest>`,
 * the label a key name in its `k51…` form or a DNSLink domain inlined (dashes doubled,
 * dots as dashes), the inverse of {@link subdomainName}. A name that is neither is
 * refused (400), as the path gateway refuses it.
 */
export function subdomainNameUrl (proto: string, gatewayHost: string, nameText: string, rest: string, search: string): string {
  const name = decodeName(nameText)
  const label = isDomainName(name) && !isKeyName(name)
    ? name.toLowerCase().replace(/-/g, '--').replace(/\./g, '-')
    : parseIpnsName(name).name
  return `${proto}://${label}.ipns.${gatewayHost}${rest === '' ? '/' : rest}${search}`
}

/** The name of an `/ipns/` URL, percent-decoded; a bad escape or no name is a 400. */
function decodeName (nameText: string): string {
  let name: string
  try {
    name = decodeURIComponent(nameText)
  } catch {
    throw new InvalidPathError('invalid path: bad percent-encoding in the name')
  }
  if (name === '') throw new InvalidPathError('invalid path: no name after /ipns/')
  return name
}

function isKeyName (text: string): boolean {
  try {
    parseIpnsName(text)
    return true
  } catch {
    return false
  }
}

/** True when the client asked for the signed record itself (`?format=ipns-record` or its Accept type). */
function wantsRecord (req: Request, query: URLSearchParams): boolean {
  const format = query.get('format')
  if (format != null && format !== '') return format === 'ipns-record'
  return parseAccept(req.get('Accept')).some(e => e.mediaType === recordType && e.q > 0)
}

/**
 * `/ipns/<name>[/path]` (and `<name>.ipns.<host>`): a key name through its IPNS record, a
 * domain through DNSLink, then the content as under `/ipfs/`, with `X-Ipfs-Path` as
 * requested and `Cache-Control` from the record's TTL. A name this node follows as a
 * dataset serves the dataset's last complete version. `?format=ipns-record` answers
 * the raw signed record, byte for byte. `rawRest` is the still-encoded URL path after the name.
 */
export async function serveIpns (node: CairnNode, req: Request, res: Response, query: URLSearchParams, nameText: string, rawRest: string, serve: ServeResolved): Promise<void> {
  const name = decodeName(nameText)
  const nocache = /(^|,)\s*no-cache\s*(,|$)/i.test(req.get('Cache-Control') ?? '')
  if (wantsRecord(req, query)) {
    if (isDomainName(name) && !isKeyName(name)) throw new UsageError(`${name} is a DNSLink name: it has no IPNS record`)
    const record = await node.names.getRecord(name, { nocache })
    const ttl = Number(record.ttl / 1_000_000_000n)
    res.status(200)
    res.setHeader('Content-Type', recordType)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Cache-Control', `public, max-age=${ttl}`)
    res.setHeader('Etag', `"${parseIpnsName(name).name}.ipns-record.${record.sequence}"`)
    res.setHeader('Content-Disposition', `attachment; filename="${parseIpnsName(name).name}.ipns-record"`)
    res.setHeader('Vary', 'Accept')
    res.end(req.method === 'HEAD' ? undefined : record.bytes)
    return
  }
  // a dataset this node follows: its last complete version, never one half fetched
  const resolved = await node.datasets.view(name) ?? await node.names.resolve(`/ipns/${name}`, { nocache })
  const urlSegments = parseUrlSegments(rawRest.split('/'))
  const target = parseUrlPath(resolved.path.slice('/ipfs/'.length))
  const segments = [...target.segments, ...urlSegments]
  const rest = urlSegments.map(s => '/' + encodeSegment(s)).join('')
  const parsed: ParsedUrlPath = {
    root: target.root,
    rootText: target.root.toString(),
    segments,
    encodedRest: segments.map(s => '/' + encodeSegment(s)).join(''),
    trailingSlash: rawRest.endsWith('/')
  }
  await serve(parsed, {
    path: `/ipns/${nameText}${rest}`,
    rest,
    cacheControl: `public, max-age=${resolved.ttl}`
  })
}
