import { TooFewCopiesError, UsageError } from '../errors.js'
import { valuesCommand } from './command.js'
import type { DatasetState } from '../datasets/dataset-store.js'

/** One dataset as `dataset ls` and the other dataset commands show it. */
export interface DatasetResult {
  Name: string
  /** The followed or published name: `k51…` or a DNSLink domain. */
  IpnsName: string
  Role: 'publisher' | 'follower'
  /** The newest complete (pinned) version, or null before the first sync ends. */
  Cid: string | null
  State: 'syncing' | 'synced' | 'error'
  /** The version being fetched (state `syncing`). */
  Target?: string
  Error?: string
  Blocks?: number
  Bytes?: number
  BytesTotal?: number
  LastCheck: string | null
  LastChange: string | null
}

/** `dataset status`: who holds the current version. */
export interface DatasetStatusResult {
  Name: string
  Cid: string | null
  /** True when this node holds the complete current version (it counts as a copy). */
  Self: boolean
  Copies: number
  Peers: Array<{ ID: string, LastSeen: string, Via: string[] }>
}

function result (d: DatasetState): DatasetResult {
  return {
    Name: d.name,
    IpnsName: d.ipnsName,
    Role: d.role,
    Cid: d.cid ?? null,
    State: d.state,
    ...(d.target != null ? { Target: d.target } : {}),
    ...(d.error != null ? { Error: d.error } : {}),
    ...(d.progress != null ? { Blocks: d.progress.blocks, Bytes: d.progress.bytes } : {}),
    ...(d.progress?.bytesTotal != null ? { BytesTotal: d.progress.bytesTotal } : {}),
    LastCheck: d.lastCheck ?? null,
    LastChange: d.lastChange ?? null
  }
}

function mib (bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

/** The state column: `synced`, `syncing 12 blocks, 1.0 MiB / 5.0 MiB`, `error: why`. */
function stateText (d: DatasetResult): string {
  if (d.State === 'error') return `error: ${d.Error ?? 'unknown'}`
  if (d.State === 'synced' || d.Blocks == null) return d.State
  return `syncing ${d.Blocks} blocks, ${mib(d.Bytes ?? 0)}${d.BytesTotal != null ? ` / ${mib(d.BytesTotal)}` : ''}`
}

function line (d: DatasetResult): string {
  return [d.Name, d.IpnsName, d.Cid ?? '-', stateText(d), `checked ${d.LastCheck ?? 'never'}`, `changed ${d.LastChange ?? 'never'}`].join('\t')
}

const nameArg = { name: 'name', description: 'the dataset\'s local name (see dataset ls)', required: true } as const

export const datasetPublish = valuesCommand<DatasetResult>({
  path: ['dataset', 'publish'],
  description: 'Publish a dataset\'s current root under the IPNS key of its name (made when missing), and pin it',
  args: [
    { name: 'name', description: 'the dataset (and key) name', required: true },
    { name: 'cid-or-path', description: 'the root: <cid>, /ipfs/<cid>[/path] (add a folder first: cairn add -r -q <folder> | tail -n 1)', required: true }
  ],
  options: [{ name: 'allow-offline', type: 'boolean', description: 'without a daemon: keep the record locally, announced when the daemon runs' }],
  async * run ({ node, signal }, { args, options }) {
    const [name = '', root = ''] = args
    yield result(await node.datasets.publish(name, root, { allowOffline: options['allow-offline'] === true, signal }))
  },
  text (d) {
    return `Published ${d.Name} to ${d.IpnsName}: /ipfs/${d.Cid ?? ''}`
  }
})

export const datasetFollow = valuesCommand<DatasetResult>({
  path: ['dataset', 'follow'],
  description: 'Keep the newest version of a dataset: its IPNS name or DNSLink domain is resolved on Datasets.CheckInterval and on pubsub updates',
  args: [{ name: 'name', description: 'k51…, /ipns/<name> or a DNSLink domain', required: true }],
  options: [{ name: 'as', type: 'string', description: 'the local name (default: the name followed)' }],
  async * run ({ node }, { args, options }) {
    yield result(await node.datasets.follow(args[0] as string, typeof options.as === 'string' ? options.as : undefined))
  },
  text (d) {
    return `Following ${d.IpnsName} as ${d.Name}`
  }
})

export const datasetLs = valuesCommand<DatasetResult>({
  path: ['dataset', 'ls'],
  description: 'List the datasets: name, IPNS name, current CID, state, last check and last change',
  args: [],
  options: [],
  async * run ({ node }) {
    for (const d of await node.datasets.list()) yield result(d)
  },
  text: line
})

export const datasetUnfollow = valuesCommand<DatasetResult>({
  path: ['dataset', 'unfollow'],
  description: 'Stop following a dataset and unpin its version',
  args: [nameArg],
  options: [],
  async * run ({ node }, { args }) {
    yield result(await node.datasets.unfollow(args[0] as string))
  },
  text (d) {
    return `Unfollowed ${d.Name}`
  }
})

export const datasetSync = valuesCommand<DatasetResult>({
  path: ['dataset', 'sync'],
  description: 'Check a followed dataset now, and wait for the new version to be fetched and pinned',
  args: [nameArg],
  options: [],
  async * run ({ node }, { args }) {
    yield result(await node.datasets.sync(args[0] as string))
  },
  text: line
})

export const datasetStatus = valuesCommand<DatasetStatusResult>({
  path: ['dataset', 'status'],
  description: 'List the peers holding a dataset\'s current version (DHT providers, connected peers answering HAVE)',
  args: [nameArg],
  options: [
    { name: 'min-copies', type: 'number', description: 'exit non-zero when fewer copies than this are seen (this node counts when it holds the version)' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const min = options['min-copies']
    if (min != null && (typeof min !== 'number' || !Number.isInteger(min) || min < 0)) throw new UsageError('--min-copies: a whole number')
    const status = await node.datasets.status(args[0] as string, { signal })
    yield {
      Name: status.dataset.name,
      Cid: status.dataset.cid ?? null,
      Self: status.self,
      Copies: status.copies,
      Peers: Object.entries(status.peers).map(([id, p]) => ({ ID: id, LastSeen: p.lastSeen, Via: p.via })).sort((a, b) => a.ID.localeCompare(b.ID))
    }
    if (min != null && status.copies < min) {
      throw new TooFewCopiesError(`${status.dataset.name}: ${status.copies} ${status.copies === 1 ? 'copy' : 'copies'} seen, fewer than --min-copies ${min}`)
    }
  },
  text (s) {
    const lines = [`${s.Name} ${s.Cid ?? '-'}: ${s.Copies} ${s.Copies === 1 ? 'copy' : 'copies'}${s.Self ? ' (this node included)' : ''}`]
    for (const p of s.Peers) lines.push(`${p.ID}\tlast seen ${p.LastSeen}\t${p.Via.join(',')}`)
    return lines.join('\n')
  }
})
