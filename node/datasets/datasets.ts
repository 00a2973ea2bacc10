import { setMaxListeners } from 'node:events'
import * as dagPb from '@ipld/dag-pb'
import { parseDuration } from '../../config/duration.js'
import { nodeBlocks } from '../blocks.js'
import { parseContentPath } from '../content/content-path.js'
import { resolvePath } from '../content/resolve.js'
import { DAG_PB } from '../dag/codecs.js'
import { linksOf } from '../dag/links.js'
import { walkDag, type DagChild } from '../dag/walk.js'
import { NotFoundError, NotPinnedError, UsageError } from '../errors.js'
import { isDomainName, parseIpnsName } from '../names/ipns-name.js'
import { connectedPeersHaving } from '../network/have-probe.js'
import { requireNetwork } from '../network/require-network.js'
import { withoutGc } from '../pins/gc-lock.js'
import { addPin, removePin } from '../pins/pins.js'
import { DatasetStore, type DatasetState, type SeenPeer, type SyncProgress } from './dataset-store.js'
import type { CairnNode } from '../node.js'
import type { ResolvedName } from '../names/names.js'
import type { CID } from 'multiformats/cid'
import type { Datastore } from 'interface-datastore'

/** What `dataset status` found: the peers holding the current root now, and this node. */
export interface ReplicationStatus {
  dataset: DatasetState
  /** True when this node holds the complete current version. */
  self: boolean
  /** Peers seen in this check, by peer ID. */
  peers: Record<string, SeenPeer>
  /** This node (when it holds the version) plus the peers seen. */
  copies: number
}

/** Options of {@link Datasets.status}. */
export interface StatusOptions {
  /** How long the DHT provider search and the HAVE probe may take, ms (default 10 s). */
  timeoutMs?: number
  signal?: AbortSignal
}

/** The TTL given to a followed name served from its last complete version, seconds. */
const viewTtl = 60

/**
 * Shared datasets: an IPNS name (or DNSLink domain) whose value is a DAG's current root.
 * A publisher pins the root and publishes it under a key of the dataset's name; a
 * follower resolves the name on `Datasets.CheckInterval` and whenever a newer record
 * arrives over IPNS-over-PubSub, fetches the blocks of a new version it lacks (only
 * those), pins it when complete, then unpins the version it replaced. State lives in the
 * repo's datastore, so following survives a restart and an interrupted sync resumes.
 */
export class Datasets {
  readonly store: DatasetStore
  private readonly node: () => CairnNode
  private readonly running = new Map<string, { promise: Promise<DatasetState>, controller: AbortController }>()
  private readonly again = new Set<string>()
  private readonly live = new Map<string, SyncProgress>()
  private timer: ReturnType<typeof setInterval> | undefined
  private controller = new AbortController()
  private readonly onRecord = (event: Event): void => {
    const name = (event as CustomEvent<string>).detail
    void this.followers().then(list => {
      for (const d of list) if (d.ipnsName === name || isDomainName(d.ipnsName)) void this.check(d.name, false).catch(() => {})
    }).catch(() => {})
  }

  /** `node` gives the node the service belongs to (it is made before the node object is). */
  constructor (datastore: Datastore, node: () => CairnNode) {
    this.node = node
    this.store = new DatasetStore(datastore)
  }

  /** Online only: checks every followed dataset now (resuming interrupted syncs), then on the interval and on pubsub. */
  start (): void {
    const node = this.node()
    if (!node.online) return
    this.controller = new AbortController()
    // every check and status call listens on it
    setMaxListeners(Infinity, this.controller.signal)
    node.names.updates.addEventListener('record', this.onRecord)
    this.timer = setInterval(() => { void this.checkAll() }, parseDuration(node.config.Datasets.CheckInterval))
    this.timer.unref()
    void this.checkAll()
  }

  /** Stops checking and aborts running syncs; their state stays `syncing`, to resume at the next start. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.node().names.updates.removeEventListener('record', this.onRecord)
    this.controller.abort()
    await Promise.allSettled([...this.running.values()].map(async r => await r.promise))
  }

  /** Every dataset, with the live progress of the running syncs. */
  async list (): Promise<DatasetState[]> {
    return (await this.store.list()).map(d => this.withLive(d))
  }

  async get (name: string): Promise<DatasetState> {
    const found = await this.store.get(name)
    if (found == null) throw new NotFoundError(`no dataset named "${name}" (see cairn dataset ls)`)
    return this.withLive(found)
  }

  /**
   * Publishes a dataset's current root: pins it, signs an IPNS record for it with the key
   * of the dataset's name (made when missing), then unpins the version it replaces.
   */
  async publish (name: string, pathOrCid: string, options: { allowOffline?: boolean, signal?: AbortSignal } = {}): Promise<DatasetState> {
    const node = this.node()
    const existing = await this.store.get(name)
    if (existing?.role === 'follower') throw new UsageError(`"${name}" is a dataset this node follows; unfollow it first or choose another name`)
    const cid = await this.rootOf(pathOrCid, options.signal)
    await node.names.keystore.get(name).catch(async () => await node.names.keystore.generate(name))
    await addPin(node, cid, { recursive: true, name: pinName(name), ...signalOf(options) })
    const published = await node.names.publish(`/ipfs/${cid.toString()}`, { key: name, allowOffline: options.allowOffline === true, ...signalOf(options) })
    const old = existing?.cid
    if (old != null && old !== cid.toString()) await unpin(node, old)
    const now = new Date().toISOString()
    const state: DatasetState = {
      name,
      ipnsName: published.name,
      role: 'publisher',
      cid: cid.toString(),
      state: 'synced',
      lastCheck: now,
      lastChange: old === cid.toString() ? existing?.lastChange ?? now : now,
      peers: old === cid.toString() ? existing?.peers ?? {} : {}
    }
    await this.store.put(state)
    return state
  }

  /**
   * Starts following a name (`k51…`, `/ipns/…` or a DNSLink domain) under a local name
   * (default: the name itself). Online, the first check runs in the background.
   */
  async follow (nameText: string, as?: string): Promise<DatasetState> {
    const ipnsName = followedName(nameText)
    const name = as ?? ipnsName
    if (name === '' || name.includes('/')) throw new UsageError(`invalid dataset name "${name}"`)
    const existing = await this.store.get(name)
    if (existing != null) {
      if (existing.ipnsName === ipnsName && existing.role === 'follower') return this.withLive(existing)
      throw new UsageError(`a dataset named "${name}" exists already (${existing.ipnsName})`)
    }
    const state: DatasetState = { name, ipnsName, role: 'follower', state: 'syncing', peers: {} }
    await this.store.put(state)
    if (this.node().online) void this.check(name, true).catch(() => {})
    return state
  }

  /** Stops following (or publishing) a dataset: a running sync is aborted and its version unpinned. */
  async unfollow (name: string): Promise<DatasetState> {
    const state = await this.get(name)
    const running = this.running.get(name)
    if (running != null) {
      running.controller.abort()
      await running.promise.catch(() => {})
    }
    const current = await this.get(name)
    if (current.cid != null) await unpin(this.node(), current.cid)
    await this.store.delete(name)
    this.live.delete(name)
    return state
  }

  /** Checks a followed dataset now, asking the network, and waits for the sync it starts. */
  async sync (name: string): Promise<DatasetState> {
    const state = await this.get(name)
    if (state.role === 'publisher') return state
    requireNetwork(this.node(), 'dataset sync')
    return await this.check(name, true)
  }

  /**
   * The peers holding a dataset's current root: DHT provider records and connected peers
   * that answer a bitswap WANT_HAVE. Their last-seen times are kept with the dataset.
   */
  async status (name: string, options: StatusOptions = {}): Promise<ReplicationStatus> {
    const node = this.node()
    const libp2p = requireNetwork(node, 'dataset status').libp2p
    const dataset = await this.get(name)
    if (dataset.cid == null) return { dataset, self: false, peers: {}, copies: 0 }
    const cid = parseContentPath(dataset.cid).root
    const timeoutMs = options.timeoutMs ?? 10_000
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.controller.signal, ...(options.signal != null ? [options.signal] : [])])
    const self = libp2p.peerId.toString()
    const seen: Record<string, SeenPeer> = {}
    const saw = (peer: string, via: 'dht' | 'have'): void => {
      if (peer === self) return
      const entry = seen[peer] ??= { lastSeen: new Date().toISOString(), via: [] }
      entry.lastSeen = new Date().toISOString()
      if (!entry.via.includes(via)) entry.via.push(via)
    }
    await Promise.all([
      (async () => {
        for await (const provider of libp2p.contentRouting.findProviders(cid, { signal })) saw(provider.id.toString(), 'dht')
      })().catch(() => {}),
      connectedPeersHaving(node.helia, cid, { timeoutMs, signal }).then(peers => { for (const p of peers) saw(p.toString(), 'have') })
    ])
    const latest = await this.get(name)
    if (latest.cid === dataset.cid) {
      latest.peers = { ...latest.peers, ...seen }
      await this.store.put(latest)
    }
    const held = await node.helia.pins.isPinned(cid)
    return { dataset: latest, self: held, peers: seen, copies: Object.keys(seen).length + (held ? 1 : 0) }
  }

  /**
   * What `/ipns/<name>` means on this node when it follows that name: its last complete
   * version, so readers never see a version half fetched. Undefined for other names.
   */
  async view (nameText: string): Promise<ResolvedName | undefined> {
    let name: string
    try {
      name = followedName(nameText)
    } catch {
      return undefined
    }
    const dataset = (await this.followers()).find(d => d.ipnsName === name && d.cid != null)
    return dataset?.cid != null ? { path: `/ipfs/${dataset.cid}`, ttl: viewTtl } : undefined
  }

  private async followers (): Promise<DatasetState[]> {
    return (await this.store.list()).filter(d => d.role === 'follower')
  }

  private async checkAll (): Promise<void> {
    // side by side: a sync waiting for a slow block holds up no other dataset
    await Promise.allSettled((await this.followers()).map(async d => await this.check(d.name, true)))
  }

  /** Runs a check, or joins the running one (which then checks once more). */
  private async check (name: string, fromNetwork: boolean): Promise<DatasetState> {
    const running = this.running.get(name)
    if (running != null) {
      this.again.add(name)
      return await running.promise
    }
    const controller = new AbortController()
    const signal = AbortSignal.any([controller.signal, this.controller.signal])
    // every block read of the walk listens on it
    setMaxListeners(Infinity, signal)
    const promise = (async () => {
      try {
        let state: DatasetState
        do {
          this.again.delete(name)
          state = await this.checkOnce(name, fromNetwork, signal)
        } while (this.again.has(name))
        return state
      } finally {
        this.running.delete(name)
      }
    })()
    this.running.set(name, { promise, controller })
    return await promise
  }

  private async checkOnce (name: string, fromNetwork: boolean, signal: AbortSignal): Promise<DatasetState> {
    const node = this.node()
    const state = await this.get(name)
    state.lastCheck = new Date().toISOString()
    try {
      const resolved = await node.names.resolve(state.ipnsName, { nocache: fromNetwork, signal })
      const cid = await this.rootOf(resolved.path, signal)
      if (state.cid === cid.toString() && state.target == null) {
        state.state = 'synced'
        delete state.error
        await this.store.put(state)
        return state
      }
      state.target = cid.toString()
      state.state = 'syncing'
      delete state.error
      await this.store.put(state)
      // under the GC lock from the first block fetched until the pin holds them (as add does)
      await withoutGc(node, async () => {
        await this.fetchAll(name, cid, signal)
        await addPin(node, cid, { recursive: true, name: pinName(name), signal })
      })
      const old = state.cid
      if (old != null && old !== state.target) await unpin(node, old)
      state.cid = state.target
      delete state.target
      state.state = 'synced'
      state.lastChange = new Date().toISOString()
      state.peers = {}
      const progress = this.live.get(name)
      if (progress != null) state.progress = progress
      this.live.delete(name)
      await this.store.put(state)
      return state
    } catch (err) {
      this.live.delete(name)
      // stopping or unfollowing: the state stays as it was, to resume later
      if (signal.aborted) throw err
      state.state = 'error'
      state.error = (err as Error).message
      await this.store.put(state)
      return state
    }
  }

  /** Walks the new version's DAG, fetching the blocks not held (only those), counting progress. */
  private async fetchAll (name: string, root: CID, signal: AbortSignal): Promise<void> {
    const progress: SyncProgress = { blocks: 0, bytes: 0 }
    this.live.set(name, progress)
    const walk = walkDag<number | undefined>(nodeBlocks(this.node()), root, {
      readRawLeaves: false,
      missing: 'fetch',
      lookahead: 8,
      signal,
      children: sizedChildren
    })
    for await (const block of walk) {
      progress.blocks++
      progress.bytes += block.bytes?.byteLength ?? block.state ?? 0
      if (block.depth === 0 && block.bytes != null && root.code === DAG_PB) {
        progress.bytesTotal = block.bytes.byteLength + dagPb.decode(block.bytes).Links.reduce((n, l) => n + (l.Tsize ?? 0), 0)
      }
    }
  }

  /** The CID a path (`/ipfs/<cid>[/path]`, `<cid>[/path]`) ends at. */
  private async rootOf (path: string, signal?: AbortSignal): Promise<CID> {
    const content = parseContentPath(path)
    if (content.segments.length === 0) return content.root
    return (await resolvePath(this.node(), content, signalOf({ signal }))).entry.cid
  }

  private withLive (state: DatasetState): DatasetState {
    const progress = this.live.get(state.name)
    return progress != null ? { ...state, progress: { ...progress } } : state
  }
}

/** The pin name of a dataset's version, as `pin ls --names` shows it. */
function pinName (name: string): string {
  return `dataset:${name}`
}

/** A followed name in the form datasets are keyed by: `k51…` for keys, the domain lowercased. */
function followedName (text: string): string {
  const name = text.replace(/^\/ipns\//, '').replace(/\/.*$/, '')
  if (isDomainName(name)) {
    try {
      return parseIpnsName(name).name
    } catch {
      return name.toLowerCase()
    }
  }
  return parseIpnsName(name).name
}

/** A block's children, each with the size its dag-pb link declares (so unread raw leaves count their bytes). */
function sizedChildren (block: { cid: CID, bytes: Uint8Array }): Array<DagChild<number | undefined>> {
  if (block.cid.code === DAG_PB) return dagPb.decode(block.bytes).Links.map(link => ({ cid: link.Hash, state: link.Tsize }))
  return linksOf(block.cid, block.bytes).map(cid => ({ cid, state: undefined }))
}

async function unpin (node: CairnNode, cid: string): Promise<void> {
  await removePin(node, parseContentPath(cid).root).catch(err => {
    if (!(err instanceof NotPinnedError)) throw err
  })
}

function signalOf (options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal != null ? { signal: options.signal } : {}
}
