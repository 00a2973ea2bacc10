import { localDagBlocks } from './dag-blocks.js'
import type { ProvideQueue } from './provide-queue.js'
import type { SweepRecord } from './sweep-record.js'
import type { Helia } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** Kubo's `Provide.Strategy`: what the node announces. */
export type ProvideStrategy = 'all' | 'pinned' | 'roots'

/**
 * The CIDs a strategy covers: `all` every block in the blockstore, `pinned` every local
 * block of every pinned DAG (direct pins: the root only), `roots` the pin roots.
 */
export async function * strategyCids (helia: Pick<Helia, 'pins'>, blockstore: Blockstore, strategy: ProvideStrategy, signal?: AbortSignal): AsyncGenerator<CID> {
  const opts = signal != null ? { signal } : {}
  if (strategy === 'all') {
    for await (const { cid } of blockstore.getAll(opts)) yield cid
    return
  }
  for await (const pin of helia.pins.ls(opts)) {
    if (strategy === 'roots') {
      yield pin.cid
    } else {
      yield * localDagBlocks(blockstore, pin.cid, { ...opts, depth: pin.depth })
    }
  }
}

/** Options for {@link Reprovider}. */
export interface ReproviderOptions {
  strategy: ProvideStrategy
  /** Time between sweeps (`Provide.Interval`), ms; 0 for none. */
  interval: number
  /** Time from start to the first sweep, ms (default 5 s: let the node find peers first). */
  initialDelay?: number
  /**
   * When the last sweep went out, kept across restarts: a node started again within
   * `interval` of it, under the same strategy, waits for the rest of the interval
   * instead of sweeping again.
   */
  record?: SweepRecord
}

/** What `cairn stats provide` shows about sweeps. */
export interface ReproviderStats {
  strategy: ProvideStrategy
  interval: number
  sweeps: number
  lastSweepAt?: Date
  /** CIDs queued by the last finished sweep. */
  lastSweepCids: number
  lastSweepMs: number
  nextSweepAt?: Date
}

/**
 * Re-announces what the node holds on an interval: every `interval` it walks the CIDs
 * its strategy covers and hands them to the provide queue (which batches them). With a
 * {@link ReproviderOptions.record}, the first sweep after a start comes `interval` after
 * the last one that went out (as Kubo's reprovider does), not `initialDelay` after every
 * start: each restart of a node holding 200,000 blocks re-announced all of them, every
 * one a DHT exchange costing it and the peer told a few ms of CPU. The first scheduled
 * sweep after a start also leaves out what the queue provided since the start
 * ({@link ProvideQueue.providedSinceStart}). A service: `start()` / `stop()`.
 */
export class Reprovider {
  private readonly source: (signal: AbortSignal) => AsyncIterable<CID>
  private readonly queue: ProvideQueue
  private readonly options: Required<Omit<ReproviderOptions, 'record'>> & Pick<ReproviderOptions, 'record'>
  private timer: NodeJS.Timeout | undefined
  private controller = new AbortController()
  private current: Promise<number> | undefined
  private sweeps = 0
  private lastSweepAt: Date | undefined
  private lastSweepCids = 0
  private lastSweepMs = 0
  private nextSweepAt: Date | undefined

  constructor (source: (signal: AbortSignal) => AsyncIterable<CID>, queue: ProvideQueue, options: ReproviderOptions) {
    this.source = source
    this.queue = queue
    this.options = { initialDelay: 5_000, ...options }
  }

  start (): void {
    this.controller = new AbortController()
    // an interval of 0 turns sweeping off, as Kubo's does (it swept without pause)
    if (this.options.interval <= 0) {
      this.queue.forgetProvided()
      return
    }
    const signal = this.controller.signal
    void this.firstDelay().then(delay => {
      if (signal.aborted) return
      // a sweep an interval away re-announces everything anyway: nothing to remember until then
      if (delay > this.options.initialDelay) this.queue.forgetProvided()
      this.schedule(delay)
    })
  }

  /**
   * `initialDelay`, or longer: what is left of the interval since the recorded sweep
   * (one made under another strategy announced other CIDs, and counts for nothing).
   */
  private async firstDelay (): Promise<number> {
    const { initialDelay, interval, record, strategy } = this.options
    const last = await record?.get().catch(() => undefined)
    if (last == null || last.strategy !== strategy) return initialDelay
    // what `stats provide` shows as the last reprovide until this run makes one
    this.lastSweepAt ??= new Date(last.at)
    return Math.min(interval, Math.max(initialDelay, last.at + interval - Date.now()))
  }

  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.nextSweepAt = undefined
    this.controller.abort()
    await this.current?.catch(() => {})
  }

  /**
   * Runs a sweep now (or joins the running one); resolves with the number of CIDs queued.
   * A scheduled one (`scheduled`) leaves out what was provided since the start, if it is
   * the first; one asked for (`routing reprovide`) announces everything.
   */
  async sweep (scheduled = false): Promise<number> {
    if (this.current != null) return await this.current
    this.current = this.run(scheduled).finally(() => { this.current = undefined })
    return await this.current
  }

  stats (): ReproviderStats {
    return {
      strategy: this.options.strategy,
      interval: this.options.interval,
      sweeps: this.sweeps,
      lastSweepCids: this.lastSweepCids,
      lastSweepMs: this.lastSweepMs,
      ...(this.lastSweepAt != null ? { lastSweepAt: this.lastSweepAt } : {}),
      ...(this.nextSweepAt != null ? { nextSweepAt: this.nextSweepAt } : {})
    }
  }

  private schedule (delay: number): void {
    this.nextSweepAt = new Date(Date.now() + delay)
    this.timer = setTimeout(() => {
      this.sweep(true)
        .catch(() => {})
        .finally(() => {
          if (!this.controller.signal.aborted) this.schedule(this.options.interval)
        })
    }, delay)
    this.timer.unref()
  }

  private async run (scheduled: boolean): Promise<number> {
    const started = Date.now()
    const failed = this.queue.stats().failed
    let count = 0
    let batch: CID[] = []
    for await (const cid of this.source(this.controller.signal)) {
      // the first sweep after a start leaves out what was announced since (an add's blocks, seconds ago)
      if (scheduled && this.queue.providedSinceStart(cid)) continue
      batch.push(cid)
      count++
      if (batch.length >= 256) {
        this.queue.add(batch)
        batch = []
      }
    }
    this.queue.add(batch)
    this.queue.forgetProvided()
    this.sweeps++
    this.lastSweepAt = new Date()
    this.lastSweepCids = count
    this.lastSweepMs = Date.now() - started
    void this.recordOnceProvided(started, failed).catch(() => {})
    return count
  }

  /**
   * Records the sweep started at `at` once the queue has provided everything (this sweep
   * and whatever came since), unless a provide failed meanwhile or the node stopped first:
   * then the next start sweeps again.
   */
  private async recordOnceProvided (at: number, failedBefore: number): Promise<void> {
    const record = this.options.record
    if (record == null) return
    const signal = this.controller.signal
    await this.queue.onIdle()
    if (signal.aborted || this.queue.stats().failed > failedBefore) return
    await record.set({ at, strategy: this.options.strategy })
  }
}
