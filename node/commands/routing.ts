import { ConfigError, NotFoundError, OfflineError, UsageError } from '../errors.js'
import { requireNetwork } from '../network/require-network.js'
import { bytesCommand, valuesCommand } from './command.js'
import { readSmallInput } from './key.js'
import type { CID } from 'multiformats/cid'
import type { Libp2p } from '@libp2p/interface'

/** The DHT waits for peers forever when it has none: fail at once instead, as Kubo does. */
function requirePeers (libp2p: Libp2p, what: string): void {
  if (libp2p.getConnections().length === 0) {
    throw new OfflineError(`${what}: no connected peers, the DHT cannot be reached (see cairn swarm connect)`)
  }
}

/** One provider found by `routing findprovs`. */
export interface ProviderResult {
  ID: string
  Addrs: string[]
}

/** What `routing provide` announced. */
export interface ProvideResult {
  Cid: string
  /** Blocks announced (1 unless --recursive). */
  Provided: number
}

/** What `routing reprovide` queued. */
export interface ReprovideResult {
  Queued: number
}

export const routingFindProvs = valuesCommand<ProviderResult>({
  path: ['routing', 'findprovs'],
  description: 'Find peers that provide a CID in the DHT: one peer ID per line',
  args: [{ name: 'cid', description: 'the CID to find providers of', required: true }],
  options: [
    { name: 'num-providers', short: 'n', type: 'number', default: 20, description: 'stop after this many providers' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const { parseCid } = await import('../content/content-path.js')
    const cid = parseCid(args[0] as string)
    const libp2p = requireNetwork(node, 'routing findprovs').libp2p
    requirePeers(libp2p, 'routing findprovs')
    const max = typeof options['num-providers'] === 'number' ? options['num-providers'] : 20
    if (max <= 0) return
    const seen = new Set<string>()
    for await (const provider of libp2p.contentRouting.findProviders(cid, { signal })) {
      const id = provider.id.toString()
      if (seen.has(id)) continue
      seen.add(id)
      yield { ID: id, Addrs: [...new Set(provider.multiaddrs.map(String))] }
      if (seen.size >= max) return
    }
  },
  text (value) {
    return value.ID
  }
})

export const routingProvide = valuesCommand<ProvideResult>({
  path: ['routing', 'provide'],
  description: 'Announce to the DHT that this node provides CIDs (they must be local); waits until done',
  args: [{ name: 'cid', description: 'CIDs to announce', required: true, variadic: true }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', description: 'announce every local block of each DAG' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const { parseCid } = await import('../content/content-path.js')
    const cids = args.map(parseCid)
    const libp2p = requireNetwork(node, 'routing provide').libp2p
    for (const cid of cids) {
      if (!await node.repo.blockstore.has(cid)) {
        throw new NotFoundError(`block ${cid.toString()} is not in the local blockstore; only local blocks can be provided`)
      }
    }
    requirePeers(libp2p, 'routing provide')
    const { localDagBlocks } = await import('../network/dag-blocks.js')
    for (const cid of cids) {
      const blocks: AsyncIterable<CID> | CID[] = options.recursive === true
        ? localDagBlocks(node.repo.blockstore, cid, { signal })
        : [cid]
      let provided = 0
      for await (const block of blocks) {
        await node.helia.routing.provide(block, { signal })
        provided++
      }
      yield { Cid: cid.toString(), Provided: provided }
    }
  },
  text () {
    return undefined
  }
})

export const routingReprovide = valuesCommand<ReprovideResult>({
  path: ['routing', 'reprovide'],
  description: 'Run a reprovide sweep now: queue every CID the Provide.Strategy covers',
  args: [],
  options: [],
  async * run ({ node }) {
    const network = requireNetwork(node, 'routing reprovide')
    if (!network.options.provide) throw new ConfigError('routing reprovide: providing is off (Provide.Enabled is false, or Routing.Type is none)')
    yield { Queued: await network.reprovider.sweep() }
  },
  text (value) {
    return `queued ${value.Queued} CIDs for providing`
  }
})

/** What `routing put` stored. */
export interface RoutingPutResult {
  /** The `/ipns/<k51 name>` key. */
  Key: string
}

/** The name in a `/ipns/<name>` routing key; other namespaces are not served. */
function ipnsKey (key: string): string {
  if (!key.startsWith('/ipns/') || key.length === '/ipns/'.length) {
    throw new UsageError(`routing key "${key}": only /ipns/<name> records are supported`)
  }
  return key.slice('/ipns/'.length)
}

export const routingGet = bytesCommand({
  path: ['routing', 'get'],
  description: 'The raw signed IPNS record of /ipns/<name>: held, or found on the DHT',
  args: [{ name: 'key', description: '/ipns/<name>', required: true }],
  options: [{ name: 'output', short: 'o', type: 'string', description: 'the file to write' }],
  async * run ({ node, signal }, { args }) {
    yield (await node.names.getRecord(ipnsKey(args[0] as string), { signal })).bytes
  }
})

export const routingPut = valuesCommand<RoutingPutResult>({
  path: ['routing', 'put'],
  description: 'Store a signed IPNS record for /ipns/<name> (validated; never replaces a newer one) and announce it',
  args: [
    { name: 'key', description: '/ipns/<name>', required: true },
    { name: 'value-file', description: 'the record file (- for stdin)', required: true, kind: 'file' }
  ],
  options: [
    { name: 'allow-offline', type: 'boolean', description: 'accepted for Kubo compatibility: the record is always stored locally' }
  ],
  async * run ({ node, signal }, { args, inputs }) {
    const name = await node.names.put(ipnsKey(args[0] as string), (await readSmallInput(inputs, 'IPNS record', 10 * 1024)).bytes, signal)
    yield { Key: `/ipns/${name.name}` }
  },
  text () {
    return undefined
  }
})
