import { setMaxListeners } from 'node:events'
import { get as httpGet, type IncomingMessage } from 'node:http'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { equals } from 'multiformats/bytes'
import { readCarBlocks } from '../car/car-blocks.js'
import { DAG_PB, IDENTITY, RAW } from '../dag/codecs.js'
import { linksOf } from '../dag/links.js'
import { blockKey } from '../repo/block-files.js'
import { blockMatches } from '../repo/block-hash.js'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Where {@link PeerCarFetch} finds gateways: {@link PeerGateways}. */
export interface GatewaySource {
  offering(): PeerId[]
  gatewayOf(peer: PeerId, signal?: AbortSignal): Promise<string | undefined>
}

/** What a node gives {@link PeerCarFetch}. */
export interface PeerCarSources {
  gateways: GatewaySource
  /** True for a block the repo must not take (the denylist). */
  blocked: (cid: CID) => Promise<boolean>
  /** Aborted when the node stops: every stream stops with it. */
  signal: AbortSignal
  /** A stream that brings no bytes for this long is given up (default 2 s); one paused for 15 times this, too. */
  stallMs?: number
}

/** Options for {@link PeerCarFetch}. */
export interface PeerCarFetchOptions extends PeerCarSources {
  /** Stores a checked block that arrived before anyone wanted it (the network fetch's writes, which hold back a stream faster than the disk). */
  store: (cid: CID, bytes: Uint8Array) => Promise<void>
}

/** What {@link PeerCarFetch.want} gives for one block. */
export interface CarWant {
  /** The checked block, or undefined when no stream brings it (then it is fetched otherwise). */
  block: Promise<Uint8Array | undefined>
  /** True when the stream is about to bring it (worth waiting for); false when it is far ahead in the stream. */
  near: boolean
  /** Tells the stream the block came from elsewhere first: the blocks it links to join the stream all the same. */
  fetchedElsewhere(bytes: Uint8Array): void
  /** Tells the stream a read waited on it for the block as long as it would (then asks the other sources too). */
  late(): void
  /** How long the stream will likely take to bring the block, at its rate so far; undefined before it has brought two blocks. */
  etaMs(): number | undefined
}

/** A stream that brings no bytes for this long is given up. */
const defaultStallMs = 2000
/** At most this many CAR streams run at once; other wants go to the other sources. */
const maxStreams = 8
/** Raw leaves checked at the same time while the stream is read on. */
const checkWindow = 16
/**
 * How far a stream reads ahead of the reads waiting on it: past this many bytes of
 * blocks stored that nobody waited for, and with nobody waiting, it pauses until a read
 * waits on it again. Blocks a reader waits for are handed to it; those it gets to later
 * are read back from disk.
 */
const aheadBytes = 16 * 1024 * 1024
/**
 * A stream paused this many stall periods (30 s by default) with nobody reading on is
 * given up: a read that did not need all of the DAG and has not ended.
 */
const maxPausedStalls = 15
/** How many links past the last one a stream brought still count as near: a reader's read-ahead (up to 32 blocks) and some. */
const nearBlocks = 64
/**
 * A stream that kept reads waiting too long ({@link CarWant.late}) or that the other
 * sources beat to a block this many times in all is stopped: on a link slower than the
 * reads, both would bring the same blocks over it, and bitswap alone brings as much
 * (from every peer that has them, not only this one).
 */
const maxBehind = 4
/** How many blocks fetched otherwise are remembered as not worth a stream of their own. */
const maxElsewhere = 4096

const carAccept = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'

/** A block a stream is to bring: which block links to it, at which index. */
interface Expected {
  cid: CID
  parent: string
  index: number
}

/** One DAG streaming in as a CAR from one peer's gateway. */
class DagStream {
  /** Blocks the stream will bring (the links of its root and of every block it brought), by key. */
  readonly expected = new Map<string, Expected>()
  /**
   * Per block with links that the stream brought itself (its root counted), the index of
   * the last of those links it has brought (-1 before the first): they come in order.
   */
  readonly #progress = new Map<string, number>()
  readonly #waiters = new Map<string, Array<(block: Uint8Array | undefined) => void>>()
  readonly #abort = new AbortController()
  /** The signals of the reads waiting on the stream; it stops once all of them have aborted. */
  readonly #readers = new Set<AbortSignal>()
  /** A read without a signal keeps the stream to its end. */
  #held = false
  /** Bytes stored since a read last waited on the stream. */
  #ahead = 0
  /** While paused: what the checks that stored blocks wait on, and its wake-up. */
  #pause: { resumed: Promise<void>, resume: () => void } | undefined
  ended = false
  /** Reads it kept waiting too long, and blocks it was to bring that the other sources brought first. */
  behind = 0
  /** Once stopped: the keys of the blocks it had yet to bring. */
  left: string[] = []
  /** When it last paused ({@link paused}), performance.now(). */
  pausedAt = 0
  /** Set when it stopped because every read waiting on it had gone (nothing wrong with it). */
  unread = false
  /** What it has brought itself, when the first of it came (performance.now()), and how long it has paused since. */
  readonly #brought = { blocks: 0, bytes: 0, firstBytes: 0, since: 0, pausedMs: 0 }

  /** Whether its request has been sent (see {@link PeerCarFetch.want}). */
  started = false
  /** Called once when it stops. */
  onStop: (() => void) | undefined

  constructor (readonly root: CID) {
    setMaxListeners(Infinity, this.#abort.signal)
  }

  get signal (): AbortSignal {
    return this.#abort.signal
  }

  /** Adds the links of a block (by key) to what the stream is to bring; `own` when the stream brought the block itself. */
  expect (parent: string, links: CID[], own: boolean): void {
    if (this.ended || links.length === 0) return
    if (own && !this.#progress.has(parent)) this.#progress.set(parent, -1)
    for (const [index, cid] of links.entries()) this.expected.set(blockKey(cid.multihash), { cid, parent, index })
  }

  /** Takes a block off what the stream is to bring, as brought by the stream (`own`) or elsewhere. */
  took (key: string, own: boolean): Expected | undefined {
    const entry = this.expected.get(key)
    if (entry == null) return undefined
    this.expected.delete(key)
    const last = this.#progress.get(entry.parent)
    if (own && last != null) this.#progress.set(entry.parent, Math.max(last, entry.index))
    return entry
  }

  /**
   * Whether the stream is about to bring the block: one of the next {@link nearBlocks}
   * links of a block it brought itself. A read that starts far into the DAG (a range)
   * does not wait for the stream to get there.
   */
  near (key: string): boolean {
    const entry = this.expected.get(key)
    if (entry == null) return false
    const last = this.#progress.get(entry.parent)
    return last != null && entry.index - last <= nearBlocks
  }

  /** Counts a block of `bytes` the stream brought. */
  arrived (bytes: number): void {
    if (this.#brought.blocks++ === 0) Object.assign(this.#brought, { since: performance.now(), firstBytes: bytes })
    this.#brought.bytes += bytes
  }

  /**
   * How many milliseconds the stream will likely take to bring the block under `key`: the
   * links before it under its parent, at the stream's mean block size and rate since its
   * first block (counted from that block, so two are needed; time paused for the reads
   * to catch up left out). 0 once it is not expected.
   */
  eta (key: string): number | undefined {
    const entry = this.expected.get(key)
    if (entry == null) return 0
    const { blocks, bytes, firstBytes, since, pausedMs } = this.#brought
    const last = this.#progress.get(entry.parent)
    const now = performance.now()
    const elapsed = now - since - pausedMs - (this.paused ? now - this.pausedAt : 0)
    if (blocks < 2 || last == null || elapsed <= 0) return undefined
    // the first block came before the clock started
    const bytesPerMs = (bytes - firstBytes) / elapsed
    return bytesPerMs > 0 ? (entry.index - last) * (bytes / blocks) / bytesPerMs : undefined
  }

  /** The block under `key` once the stream brings it, undefined if it ends first or `signal` aborts. */
  async wait (key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (this.ended || signal?.aborted === true) return undefined
    this.attach(signal)
    this.#ahead = 0
    this.#pause?.resume()
    return await new Promise(resolve => {
      // the listener goes with the answer: left on a long read's signal, it would hold every block
      const onAbort = (): void => { finish(undefined) }
      const finish = (block: Uint8Array | undefined): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve(block)
      }
      const list = this.#waiters.get(key) ?? []
      list.push(finish)
      this.#waiters.set(key, list)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Hands a block to the reads waiting for it; false when none was. */
  deliver (key: string, block: Uint8Array | undefined): boolean {
    const list = this.#waiters.get(key)
    if (list == null) return false
    this.#waiters.delete(key)
    for (const resolve of list) resolve(block)
    return true
  }

  /** True while the stream waits for a read to catch up. */
  get paused (): boolean {
    return this.#pause != null
  }

  /** Counts a block stored ahead of the reads; past {@link aheadBytes} with nobody waiting, resolves once a read waits again. */
  async stored (bytes: number): Promise<void> {
    this.#ahead += bytes
    if (this.#ahead <= aheadBytes || this.ended || this.#waiters.size > 0) return
    // every check that stored a block waits for the same wake-up
    if (this.#pause == null) {
      this.pausedAt = performance.now()
      let resume = (): void => {}
      const resumed = new Promise<void>(resolve => { resume = resolve })
      this.#pause = {
        resumed,
        resume: () => {
          this.#pause = undefined
          this.#brought.pausedMs += performance.now() - this.pausedAt
          resume()
        }
      }
    }
    await this.#pause.resumed
  }

  /** Stops the stream, keeping in {@link left} what it was still to bring. */
  stop (): void {
    if (this.ended) return
    this.left = [...this.expected.keys()]
    this.ended = true
    this.#pause?.resume()
    this.#abort.abort()
    for (const list of this.#waiters.values()) for (const resolve of list) resolve(undefined)
    this.#waiters.clear()
    this.expected.clear()
    this.onStop?.()
  }

  /** Holds the stream for a read: until `signal` aborts, or to its end without one. */
  attach (signal?: AbortSignal): void {
    if (signal == null) {
      this.#held = true
      return
    }
    if (this.#readers.has(signal)) return
    this.#readers.add(signal)
    signal.addEventListener('abort', () => {
      this.#readers.delete(signal)
      if (this.#readers.size > 0 || this.#held) return
      this.unread = true
      this.stop()
    }, { once: true })
  }
}

/**
 * Fetches whole DAGs from connected Cairn peers' gateways as CAR streams
 * (`?format=car&dag-scope=all`, `Cache-Control: only-if-cached`): one HTTP request over
 * plain TCP for all of a file's blocks instead of a bitswap want and a Noise-encrypted
 * message per block. A block that the other sources brought and that links to others
 * (a file's root; not a UnixFS directory, whose entries each open their own) opens a
 * stream for the DAG below it, asked of each peer that offers a gateway in turn until
 * one holds it; the blocks it links to then wait on that stream. (Opened only then, a
 * stream costs nothing to a read of one small block.)
 * Each block is checked against its CID and taken only when the stream was to bring it
 * (a link of a block already taken); anything else is skipped unread. Checked blocks go
 * to the reads waiting for them, or to `store`. A stream stops when it ends, when a
 * block does not match, when it stalls, when it has fallen behind {@link maxBehind}
 * times (a read that waits too long on a stream asks the other sources as well:
 * block-fetch.ts; or they brought one of its blocks first), when every read waiting on it has gone, or after
 * {@link maxPausedStalls} stall periods paused; what it has not brought is fetched
 * otherwise.
 */
export class PeerCarFetch {
  readonly #options: PeerCarFetchOptions
  readonly #streams = new Set<DagStream>()
  /** Blocks below a stream that failed, and what they link to: their DAG is not (all) on a peer's gateway. */
  readonly #elsewhere = new Set<string>()

  constructor (options: PeerCarFetchOptions) {
    this.#options = options
    options.signal.addEventListener('abort', () => {
      for (const stream of this.#streams) stream.stop()
    }, { once: true })
  }

  /** Joins the stream that is to bring `cid`; undefined when none is (the other sources alone are asked). */
  want (cid: CID, signal?: AbortSignal): CarWant | undefined {
    const key = blockKey(cid.multihash)
    for (const stream of this.#streams) {
      if (!stream.expected.has(key)) continue
      const near = stream.near(key)
      if (near && !stream.started && !stream.ended) this.#start(stream)
      // a stream slower than the reads or the other sources (a slow link, a read far into the DAG) is let go; each want counts once
      let counted = false
      const fellBehind = (): void => {
        if (counted) return
        counted = true
        if (++stream.behind >= maxBehind) stream.stop()
      }
      return {
        block: stream.wait(key, signal),
        near,
        late: fellBehind,
        etaMs: () => stream.eta(key),
        fetchedElsewhere: bytes => {
          if (stream.took(key, false) == null) return
          stream.expect(key, linksIn(cid, bytes), false)
          stream.deliver(key, bytes)
          fellBehind()
        }
      }
    }
    return undefined
  }

  /**
   * Takes note of a block the other sources brought that no stream was to bring. One
   * that links to others, other than a UnixFS directory, opens a stream for the DAG below
   * it, held by `signal` (the read's), and its links then wait on that stream; its
   * request goes out with the first want of a block near the stream's start. A block
   * that lies below a stream that failed opens none, and neither do the blocks it links to.
   */
  fetchedElsewhere (cid: CID, bytes: Uint8Array, signal?: AbortSignal): void {
    if (this.#options.signal.aborted) return
    const links = streamLinks(cid, bytes)
    if (links.length === 0) return
    if (this.#elsewhere.has(blockKey(cid.multihash)) || this.#streams.size >= maxStreams) {
      this.#remember(links.map(link => blockKey(link.multihash)))
      return
    }
    const stream = new DagStream(cid)
    stream.expect(blockKey(cid.multihash), links, true)
    stream.attach(signal)
    this.#streams.add(stream)
    // asked of a gateway only once a read wants a block near its start (a range read far
    // into a file never asks); one nobody wants that soon is dropped
    stream.onStop = () => { if (!stream.started) this.#streams.delete(stream) }
    setTimeout(() => {
      if (stream.started) return
      stream.unread = true
      stream.stop()
    }, (this.#options.stallMs ?? defaultStallMs) * maxPausedStalls).unref()
  }

  /** Sends the stream's request and reads it; when it ends, forgets it. */
  #start (stream: DagStream): void {
    stream.started = true
    this.#run(stream).finally(() => {
      stream.stop()
      this.#streams.delete(stream)
      // a stream that failed, stalled, ended short or fell behind: its blocks go elsewhere
      // rather than each asking the same peers again (not when its readers just left)
      if (!stream.unread) this.#remember(stream.left)
    }).catch(() => {})
  }

  /** Notes blocks (by key) that open no stream of their own, forgetting the oldest past {@link maxElsewhere}. */
  #remember (keys: Iterable<string>): void {
    for (const key of keys) {
      this.#elsewhere.add(key)
      if (this.#elsewhere.size > maxElsewhere) this.#elsewhere.delete(this.#elsewhere.values().next().value as string)
    }
  }

  async #run (stream: DagStream): Promise<void> {
    // from the request on: a gateway that takes the connection and never answers is given up too
    const stallMs = this.#options.stallMs ?? defaultStallMs
    const watchdog = setTimeout(function stalled () {
      // a stream that waits for its readers is not stalled, for a while
      if (stream.paused && performance.now() - stream.pausedAt < stallMs * maxPausedStalls) watchdog.refresh()
      else stream.stop()
    }, stallMs)
    try {
      await this.#read(stream, watchdog)
    } finally {
      clearTimeout(watchdog)
    }
  }

  async #read (stream: DagStream, watchdog: NodeJS.Timeout): Promise<void> {
    const root = stream.root
    const body = await this.#open(stream)
    if (body == null) return
    const car = await readCarBlocks(watched(body, watchdog), { signal: stream.signal })
    if (car.roots.length !== 1 || !equals(car.roots[0]?.multihash.bytes ?? new Uint8Array(), root.multihash.bytes)) return
    const checks = new Set<Promise<void>>()
    let failed = false
    const take = async (key: string, cid: CID, bytes: Uint8Array): Promise<void> => {
      if (!await blockMatches(cid.multihash, bytes, { thread: 'none' })) {
        failed = true
        return
      }
      if (await this.#options.blocked(cid)) {
        stream.deliver(key, undefined)
        return
      }
      stream.expect(key, linksIn(cid, bytes), true)
      if (stream.deliver(key, bytes)) return
      await this.#options.store(cid, bytes)
      await stream.stored(bytes.byteLength)
    }
    try {
      for await (const block of car.blocks) {
        const key = blockKey(block.cid.multihash)
        const cid = stream.took(key, true)?.cid
        if (cid == null) continue
        stream.arrived(block.bytes.byteLength)
        if (cid.code !== RAW) {
          // its links must be known before the next block is looked at
          await take(key, cid, block.bytes)
        } else {
          const check = take(key, cid, block.bytes).finally(() => { checks.delete(check) })
          checks.add(check)
          if (checks.size >= checkWindow) await Promise.race(checks)
        }
        if (failed || stream.ended) return
      }
    } finally {
      await Promise.allSettled(checks)
    }
  }

  /** The body of the first peer's CAR response for `root`, or undefined when no peer holds it. */
  async #open (stream: DagStream): Promise<IncomingMessage | undefined> {
    const signal = stream.signal
    for (const peer of this.#options.gateways.offering()) {
      const base = await this.#options.gateways.gatewayOf(peer, signal)
      if (base == null || signal.aborted) continue
      const url = `${base}/ipfs/${stream.root.toString()}?format=car&dag-scope=all`
      // node:http rather than fetch: a third of the CPU per byte (no web streams)
      const res = await new Promise<IncomingMessage | undefined>(resolve => {
        const req = httpGet(url, { headers: { Accept: carAccept, 'Cache-Control': 'only-if-cached' } }, resolve)
        req.on('error', () => { resolve(undefined) })
        // not the request's own `signal` option: its AbortError escaped every listener
        signal.addEventListener('abort', () => { req.destroy() }, { once: true })
      })
      // a stopped stream cuts the response: its reader sees that, and nothing else may throw
      res?.on('error', () => {})
      if (res?.statusCode === 200) return res
      res?.destroy()
    }
    return undefined
  }
}

/**
 * The links below a block fetched elsewhere that a stream would bring ({@link linksIn}),
 * decoded once. None for a UnixFS directory or HAMT shard: its links are entries, each its
 * own DAG, and a read through it (a path) needs one of them, while the stream of the
 * whole directory would bring every entry before it. Each file opens its own instead.
 */
function streamLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code !== DAG_PB) return linksIn(cid, bytes)
  try {
    const node = dagPb.decode(bytes)
    const type = node.Data != null ? UnixFS.unmarshal(node.Data).type : undefined
    if (type === 'directory' || type === 'hamt-sharded-directory') return []
    return node.Links.map(link => link.Hash).filter(link => link.multihash.code !== IDENTITY)
  } catch {
    return []
  }
}

/** The blocks a block links to, identity CIDs left out; none for a raw block or one that does not decode. */
function linksIn (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW) return []
  try {
    return linksOf(cid, bytes).filter(link => link.multihash.code !== IDENTITY)
  } catch {
    return []
  }
}

/** The body's chunks, each putting off the stream's stall watchdog. */
async function * watched (body: AsyncIterable<Uint8Array>, watchdog: NodeJS.Timeout): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    watchdog.refresh()
    yield chunk
  }
}
