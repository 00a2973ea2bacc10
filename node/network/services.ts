import { localDagBlocks } from './dag-blocks.js'
import { BitswapLedger, type BitswapStats } from './bitswap-ledger.js'
import { bitswapEngine } from './fetch.js'
import { ProvideQueue, type ProvideQueueStats } from './provide-queue.js'
import { pruneSelfProviderRecords } from './provider-records.js'
import { Reprovider, strategyCids, type ProvideStrategy, type ReproviderStats } from './reprovider.js'
import type { Denylist } from '../denylist/index.js'
import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { SweepRecord } from './sweep-record.js'
import type { CID } from 'multiformats/cid'

/** What `cairn stats provide` shows. */
export interface ProvideStats extends ProvideQueueStats, ReproviderStats {
  enabled: boolean
}

/** Options for {@link NetworkServices}. */
export interface NetworkServicesOptions {
  /** `Provide.Enabled`: false turns announcing and reproviding off. */
  provide: boolean
  strategy: ProvideStrategy
  /** `Provide.Interval` in ms. */
  interval: number
  /** `Fetch.Timeout` in ms. */
  fetchTimeout: number
  /** Delay before the first reprovide sweep, ms. */
  initialReprovideDelay?: number
  /** The repo's denylist: blocked CIDs are never announced. */
  denylist?: Denylist
  /** When the last reprovide sweep went out, kept across restarts (see {@link Reprovider}). */
  sweepRecord?: SweepRecord
}

/**
 * The online node's background services and counters: the provide queue that
 * `announce` feeds, the reprovider, the bitswap ledgers. Started after Helia (so libp2p
 * is up), stopped before it.
 */
export class NetworkServices {
  readonly options: NetworkServicesOptions
  readonly ledger = new BitswapLedger()
  readonly provideQueue: ProvideQueue
  readonly reprovider: Reprovider
  private helia: Helia | undefined
  private readonly blockstore: Blockstore
  private walks = new AbortController()
  private readonly announceWalks = new Set<Promise<void>>()

  constructor (blockstore: Blockstore, options: NetworkServicesOptions) {
    this.options = options
    this.blockstore = blockstore
    const denylist = options.denylist
    this.provideQueue = new ProvideQueue(async (cid, opts) => { await this.started().routing.provide(cid, opts) }, {
      // a DHT provide without peers only waits for its timeout: hold the queue until one connects
      ready: async signal => { await this.peerConnected(signal) },
      ...(denylist != null ? { skip: async cid => await denylist.isBlocked(cid) } : {})
    })
    this.reprovider = new Reprovider(signal => this.sweepCids(signal), this.provideQueue, {
      strategy: options.strategy,
      interval: options.interval,
      ...(options.initialReprovideDelay != null ? { initialDelay: options.initialReprovideDelay } : {}),
      ...(options.sweepRecord != null ? { record: options.sweepRecord } : {})
    })
  }

  /** The started node's libp2p. */
  get libp2p (): Libp2p {
    return (this.started() as Helia & { libp2p: Libp2p }).libp2p
  }

  async start (helia: Helia): Promise<void> {
    this.helia = helia
    this.walks = new AbortController()
    if (this.options.provide) {
      this.provideQueue.start()
      this.reprovider.start()
    } else {
      // nothing will be announced: stop listing this node for what it announced before
      void this.pruneProviderRecords(this.walks.signal).catch(() => {})
    }
  }

  /**
   * Deletes this node's own records in the DHT provider store for blocks it no longer
   * holds (removed by `repo gc`) or that a denylist blocks, so that its DHT server stops
   * listing itself for them. Runs after every reprovide sweep. Returns how many went.
   */
  async pruneProviderRecords (signal?: AbortSignal): Promise<number> {
    const helia = this.started()
    const denylist = this.options.denylist
    const keep = async (cid: CID): Promise<boolean> => await this.blockstore.has(cid) && !(await denylist?.isBlocked(cid) ?? false)
    return await pruneSelfProviderRecords(helia.datastore as Datastore, this.libp2p.peerId.toString(), keep, signal)
  }

  /**
   * What a reprovide sweep announces: the strategy's CIDs in the blockstore now, without
   * denylisted ones; then the provider records of what is gone are pruned. This is the
   * node's only reprovider (kad-dht's own is silenced in libp2p-options).
   */
  private async * sweepCids (signal: AbortSignal): AsyncGenerator<CID> {
    const denylist = this.options.denylist
    for await (const cid of strategyCids(this.started(), this.blockstore, this.options.strategy, signal)) {
      if (denylist != null && await denylist.isBlocked(cid)) continue
      yield cid
    }
    await this.pruneProviderRecords(signal).catch(() => 0)
  }

  async stop (): Promise<void> {
    this.walks.abort()
    await this.reprovider.stop()
    await this.provideQueue.stop()
  }

  /**
   * Queues CIDs for providing without waiting, as far as the strategy covers them:
   * `all` each root and then every local block of its DAG (walked in the background),
   * `pinned` the same for roots that are pinned (to the pin's depth), `roots` pinned
   * roots alone. Unpinned content is not announced under `pinned` and `roots`.
   */
  announce (cids: CID[]): void {
    if (!this.options.provide || this.helia == null || cids.length === 0) return
    const strategy = this.options.strategy
    if (strategy === 'all') this.provideQueue.add(cids)
    const helia = this.helia
    const signal = this.walks.signal
    const walk = (async () => {
      for (const root of cids) {
        let depth = Infinity
        if (strategy !== 'all') {
          const pin = await helia.pins.get(root, { signal }).catch(() => undefined)
          if (pin == null) continue
          this.provideQueue.add([root])
          if (strategy === 'roots') continue
          depth = pin.depth
        }
        let batch: CID[] = []
        for await (const cid of localDagBlocks(this.blockstore, root, { signal, depth })) {
          batch.push(cid)
          if (batch.length >= 256) { this.provideQueue.add(batch); batch = [] }
        }
        this.provideQueue.add(batch)
      }
    })().catch(() => {})
    this.announceWalks.add(walk)
    void walk.finally(() => { this.announceWalks.delete(walk) })
  }

  /** Resolves once every announce made so far has queued what its strategy covers. */
  async announcesQueued (): Promise<void> {
    await Promise.all([...this.announceWalks])
  }

  provideStats (): ProvideStats {
    return { enabled: this.options.provide, ...this.provideQueue.stats(), ...this.reprovider.stats() }
  }

  bitswapStats (): BitswapStats {
    const engine = bitswapEngine(this.started())
    const connected = [...new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))]
    return this.ledger.stats(connected, engine?.getWantlist().map(w => w.cid) ?? [])
  }

  /** Resolves once libp2p has at least one open connection. */
  private async peerConnected (signal: AbortSignal): Promise<void> {
    const libp2p = this.libp2p
    signal.throwIfAborted()
    if (libp2p.getConnections().length > 0) return
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        libp2p.removeEventListener('connection:open', done)
        signal.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = (): void => {
        libp2p.removeEventListener('connection:open', done)
        reject(signal.reason)
      }
      libp2p.addEventListener('connection:open', done)
      signal.addEventListener('abort', aborted, { once: true })
    })
  }

  private started (): Helia {
    if (this.helia == null) throw new Error('the network services have not started')
    return this.helia
  }
}
