import { performance } from 'node:perf_hooks'
import type { CID } from 'multiformats/cid'

/** Announces one CID to the network (a DHT provide). */
export type ProvideFn = (cid: CID, options: { signal: AbortSignal }) => Promise<void>

/** Options for {@link ProvideQueue}. */
export interface ProvideQueueOptions {
  /** The most CIDs provided at once (one batch); fewer while the node is busy ({@link ProvideQueueOptions.busyness}). */
  batchSize?: number
  /**
   * How busy the node was since the last call, from 0 to 1; called after each batch. By
   * default the main thread's event loop utilization ({@link eventLoopBusyness}).
   */
  busyness?: () => number
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

/** The most CIDs remembered as provided since start ({@link ProvideQueue.providedSinceStart}); past it none are. */
const maxRemembered = 65_536

/** The queue's key of a CID: its multihash (a CID and its CIDv0/v1 twin are one block). */
const keyOf = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('base64')

/** Above this busyness a batch halves the next one's size; below {@link idleBusyness} the next grows by one. */
const busyBusyness = 0.5
const idleBusyness = 0.3

/**
 * The share of the time since the last call (the first: since the process started) that
 * the main thread's event loop spent running code, from 0 to 1.
 */
export function eventLoopBusyness (): () => number {
  let last = performance.eventLoopUtilization()
  return () => {
    const now = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(now, last)
    last = now
    return utilization
  }
}

/**
 * A queue of CIDs to provide: `add` returns at once (callers never wait for the DHT),
 * duplicates of pending CIDs are dropped, and a single worker provides them in batches in
 * parallel, as many at once as `batchSize` while the node has time to spare. A provide
 * over the internet mostly waits on peers, and 16 at once (Kubo's worker count) cost the
 * node little; among peers near at hand its messages are all CPU (for A and the peers it
 * tells), and 16 at once after a 256 MiB add held a connected peer's gateway answers up
 * from 3 to 15 ms (median) for as long as they ran. So a batch that leaves the event loop
 * busy over half of its time halves the next batch, and one under 30 % grows it by one.
 * A service: `start()` / `stop()`; stop aborts what is in flight.
 */
export class ProvideQueue {
  private readonly provide: ProvideFn
  private readonly batchSize: number
  private readonly busyness: () => number
  /** The size of the next batch, between 1 and {@link batchSize}. */
  private inFlight: number
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
  /** Keys provided since the node started, until {@link forgetProvided}. */
  private sinceStart: Set<string> | undefined = new Set()

  constructor (provide: ProvideFn, options: ProvideQueueOptions = {}) {
    this.provide = provide
    this.batchSize = options.batchSize ?? 16
    this.inFlight = this.batchSize
    this.busyness = options.busyness ?? eventLoopBusyness()
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
      this.pending.set(keyOf(cid), cid)
    }
    this.kick()
  }

  /**
   * True for a CID provided since the node started, while the queue remembers those (up
   * to {@link maxRemembered}, until {@link forgetProvided}): what the reprovider's first
   * sweep need not announce again seconds after an add did.
   */
  providedSinceStart (cid: CID): boolean {
    return this.sinceStart?.has(keyOf(cid)) ?? false
  }

  /** Stops remembering what was provided since start (the first sweep is over, or far off). */
  forgetProvided (): void {
    this.sinceStart = undefined
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
        if (batch.length >= this.inFlight) break
      }
      this.busyness() // the batch's busyness is what follows
      await Promise.all(batch.map(async cid => { await this.provideOne(cid) }))
      this.adapt(this.busyness())
    }
  }

  /** Sizes the next batch by how busy the node was during the last one. */
  private adapt (busyness: number): void {
    if (busyness > busyBusyness) this.inFlight = Math.max(1, Math.floor(this.inFlight / 2))
    else if (busyness < idleBusyness) this.inFlight = Math.min(this.batchSize, this.inFlight + 1)
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
      if (this.sinceStart != null) {
        this.sinceStart.add(keyOf(cid))
        if (this.sinceStart.size > maxRemembered) this.forgetProvided()
      }
      this.provided++
      this.totalMs += Date.now() - started
      this.lastProvidedAt = new Date()
    } catch {
      if (this.running) this.failed++
    }
  }
}
