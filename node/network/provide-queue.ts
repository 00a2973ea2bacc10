import type { CID } from 'multiformats/cid'

/** Announces one CID to the network (a DHT provide). */
export type ProvideFn = (cid: CID, options: { signal: AbortSignal }) => Promise<void>

/** Options for {@link ProvideQueue}. */
export interface ProvideQueueOptions {
  /** How many CIDs are provided at once (one batch). */
  batchSize?: number
  /** Give up on one provide after this many ms. */
  provideTimeout?: number
  /** Resolves when providing can make progress (e.g. once the node has a peer); awaited before each batch. */
  ready?: (signal: AbortSignal) => Promise<void>
  /** True for a CID that must not be announced (a denylisted block): dropped, counted as skipped. */
  skip?: (cid: CID) => Promise<boolean>
}

/** Counters of the provide queue, for `cairn stats provide`. */
export interface ProvideQueueStats {
  /** CIDs waiting to be provided. */
  queued: number
  /** Successful provides since the node started. */
  provided: number
  /** Provides that failed or timed out since the node started. */
  failed: number
  /** CIDs dropped instead of provided because a denylist blocks them. */
  skipped: number
  /** Mean duration of a successful provide, in ms. */
  avgProvideMs: number
  /** True while the worker waits for `ready` (the node has no peer yet) before a batch. */
  waitingUntilReady: boolean
  lastProvidedAt?: Date
}

/**
 * A queue of CIDs to provide: `add` returns at once (callers never wait for the DHT),
 * duplicates of pending CIDs are dropped, and a single worker provides them in batches of
 * `batchSize` in parallel. A service: `start()` / `stop()`; stop aborts what is in flight.
 */
export class ProvideQueue {
  private readonly provide: ProvideFn
  private readonly batchSize: number
  private readonly provideTimeout: number
  private readonly ready: ((signal: AbortSignal) => Promise<void>) | undefined
  private readonly skip: ((cid: CID) => Promise<boolean>) | undefined
  private readonly pending = new Map<string, CID>()
  private controller = new AbortController()
  private running = false
  private waitingUntilReady = false
  private worker: Promise<void> | undefined
  private idleWaiters: Array<() => void> = []
  private provided = 0
  private failed = 0
  private skipped = 0
  private totalMs = 0
  private lastProvidedAt: Date | undefined

  constructor (provide: ProvideFn, options: ProvideQueueOptions = {}) {
    this.provide = provide
    this.batchSize = options.batchSize ?? 16
    this.provideTimeout = options.provideTimeout ?? 60_000
    this.ready = options.ready
    this.skip = options.skip
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.controller = new AbortController()
    this.kick()
  }

  async stop (): Promise<void> {
    this.running = false
    this.controller.abort()
    await this.worker
    this.pending.clear()
    this.notifyIdle()
  }

  /** Queues CIDs to provide; returns immediately. */
  add (cids: Iterable<CID>): void {
    for (const cid of cids) {
      this.pending.set(Buffer.from(cid.multihash.bytes).toString('base64'), cid)
    }
    this.kick()
  }

  /** Resolves when nothing is queued or in flight. */
  async onIdle (): Promise<void> {
    if (this.worker == null && this.pending.size === 0) return
    await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  stats (): ProvideQueueStats {
    return {
      queued: this.pending.size,
      provided: this.provided,
      failed: this.failed,
      skipped: this.skipped,
      avgProvideMs: this.provided > 0 ? Math.round(this.totalMs / this.provided) : 0,
      waitingUntilReady: this.waitingUntilReady,
      ...(this.lastProvidedAt != null ? { lastProvidedAt: this.lastProvidedAt } : {})
    }
  }

  private kick (): void {
    if (!this.running || this.worker != null || this.pending.size === 0) return
    this.worker = this.drain().finally(() => {
      this.worker = undefined
      if (this.running && this.pending.size > 0) this.kick()
      else this.notifyIdle()
    })
  }

  private notifyIdle (): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  private async drain (): Promise<void> {
    while (this.running && this.pending.size > 0) {
      if (this.ready != null) {
        this.waitingUntilReady = true
        try {
          await this.ready(this.controller.signal)
        } catch {
          return
        } finally {
          this.waitingUntilReady = false
        }
      }
      const batch: CID[] = []
      for (const [key, cid] of this.pending) {
        this.pending.delete(key)
        batch.push(cid)
        if (batch.length >= this.batchSize) break
      }
      await Promise.all(batch.map(async cid => { await this.provideOne(cid) }))
    }
  }

  private async provideOne (cid: CID): Promise<void> {
    if (this.skip != null && await this.skip(cid).catch(() => false)) {
      this.skipped++
      return
    }
    const started = Date.now()
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.provideTimeout)])
    try {
      await this.provide(cid, { signal })
      this.provided++
      this.totalMs += Date.now() - started
      this.lastProvidedAt = new Date()
    } catch {
      if (this.running) this.failed++
    }
  }
}
