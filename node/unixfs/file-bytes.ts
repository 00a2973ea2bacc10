import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { InvalidDagError, NotUnixfsError } from '../errors.js'
import { pieceBytes } from '../repo/hashing-blockstore.js'
import { readWholeBlock, type PieceSource } from './whole-blocks.js'
import type { ReadBudget } from './read-budget.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** How many sibling blocks are read ahead of the one being yielded (per DAG level), at first. */
const readAheadStart = 4
/**
 * The most sibling blocks in flight per DAG level. The window doubles up to this while
 * the reader keeps waiting for blocks read ahead: a fetch from peers is latency bound,
 * and 4 blocks in flight left both peers idle a third of the time; reads from the local
 * disk seldom wait that long and keep the small window (and memory).
 */
const readAheadMax = 32
/** A wait longer than this (ms) for a block already asked for: the reads are latency bound. */
const slowReadMs = 4
/** The most a block read ahead is counted for against the budget (bitswap's block limit). */
const maxBlockBytes = 2 * 1024 * 1024

/** Options for {@link readFileBytes}. */
export interface FileBytesOptions extends AbortOptions {
  offset?: number
  length?: number
  offline?: boolean
  /** The node's shared read-ahead budget: blocks beyond the one being waited for are read only while it has room. */
  budget?: ReadBudget
}

/**
 * Streams a UnixFS file's bytes (or a range of them) from its root node: a dag-pb node, or
 * the bytes of a raw block. Pull-based: a block is read only when the reader has taken the
 * bytes before it (plus a few read ahead), so memory stays flat however large the file
 * and however slow the reader. (The exporter's own `content()` pushes into an unbounded
 * queue and can hold a whole file in memory behind a slow pipe.) Only the blocks that
 * overlap the range are read.
 */
export async function * readFileBytes (store: PieceSource, root: dagPb.PBNode | Uint8Array, size: bigint, options: FileBytesOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const start = BigInt(options.offset ?? 0)
  const end = options.length !== undefined ? minBig(size, start + BigInt(options.length)) : size
  if (start >= end) return
  const leave = options.budget?.enter()
  try {
    yield * walk(store, { node: root, size, position: 0n, views: options.budget?.views ?? true }, start, end, options)
  } finally {
    leave?.()
  }
}

/** A node of the file with where it starts and the size its parent's block sizes give it. */
interface Placed {
  node: dagPb.PBNode | Uint8Array
  size: bigint
  position: bigint
  cid?: CID
  /** Its bytes may be handed on as views (see {@link slice}): under a budget that allows them, a block counted against it (counted until the next is taken) or the root, which the caller holds. */
  views: boolean
}

const minBig = (a: bigint, b: bigint): bigint => a < b ? a : b

/**
 * Yields the part of [start, end) in a whole block: one view of the block when `views`,
 * else copies of at most {@link pieceBytes}. Every async generator on the way to the
 * socket keeps the last piece it passed until the next one arrives, so a view keeps its
 * whole block (up to 2 MiB) alive while the next block is read. Copies cost a copy and
 * its garbage (a fifth of a local `cat`), but with many readers (a daemon's 200 gateway
 * downloads peaked 66 MiB higher with views, even counted against the budget) they are
 * what keeps memory flat: see {@link ReadBudget.views}.
 */
function * slice (data: Uint8Array, position: bigint, start: bigint, end: bigint, views: boolean): Generator<Uint8Array> {
  const from = start > position ? Number(start - position) : 0
  const to = Math.min(data.byteLength, Number(end - position))
  if (from >= to) return
  if (views) {
    yield from === 0 && to === data.byteLength ? data : data.subarray(from, to)
    return
  }
  // Uint8Array's slice copies; a Buffer's own slice would be a view again
  for (let at = from; at < to; at += pieceBytes) yield Uint8Array.prototype.slice.call(data, at, Math.min(to, at + pieceBytes))
}

/** The part of [start, end) in a piece read at `position` (a view: the piece is fresh and small), or undefined. */
function within (piece: Uint8Array, position: bigint, start: bigint, end: bigint): Uint8Array | undefined {
  const from = start > position ? Number(start - position) : 0
  const to = Math.min(piece.byteLength, Number(end - position))
  if (from >= to) return undefined
  return from === 0 && to === piece.byteLength ? piece : piece.subarray(from, to)
}

function sizeMismatch (placed: Pick<Placed, 'cid' | 'size'>, actual: bigint): InvalidDagError {
  const what = placed.cid != null ? `file block ${placed.cid.toString()}` : 'file root'
  return new InvalidDagError(`invalid DAG: ${what} holds ${actual} bytes where its parent's block sizes say ${placed.size}`)
}

/** A file block to read, where it starts in the file, and the budget it is counted for before it is read. */
interface Wanted {
  cid: CID
  position: bigint
  size: bigint
  estimate: number
}

/**
 * A block read for the reader: whole (a promise, started ahead of its turn), holding
 * `reserved` bytes of the budget until the reader has taken the bytes after it; or, for a raw leaf the
 * budget had no room for, read in pieces when its turn comes.
 */
interface Read {
  block?: Promise<Uint8Array>
  reserved: number
}

/**
 * Yields the part of [start, end) under one node. A node whose bytes differ from the size
 * its parent's block sizes give it (a leaf shorter or longer than said) is an
 * ERR_INVALID_DAG: the file would come out silently short or shifted.
 */
async function * walk (store: PieceSource, placed: Placed, start: bigint, end: bigint, options: FileBytesOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const { node, position } = placed
  if (!(node instanceof Uint8Array) && node.Data == null) throw new NotUnixfsError('dag-pb node without UnixFS data in a file')
  const file = node instanceof Uint8Array ? undefined : UnixFS.unmarshal(node.Data as Uint8Array)
  // a raw block's length; a dag-pb node's data and block sizes
  const actual = file != null ? file.fileSize() : BigInt((node as Uint8Array).byteLength)
  if (actual !== placed.size) throw sizeMismatch(placed, actual)
  if (node instanceof Uint8Array || file == null) {
    yield * slice(node as Uint8Array, position, start, end, placed.views)
    return
  }
  let pos = position
  if (file.data != null && file.data.byteLength > 0) {
    yield * slice(file.data, pos, start, end, placed.views)
    pos += BigInt(file.data.byteLength)
  }
  if (node.Links.length !== file.blockSizes.length) throw new InvalidDagError('invalid DAG: file node links and block sizes disagree')
  const wanted: Wanted[] = []
  for (let i = 0; i < node.Links.length && pos < end; i++) {
    const childSize = file.blockSizes[i] as bigint
    const childEnd = pos + childSize
    if (childEnd > start) wanted.push({ cid: (node.Links[i] as dagPb.PBLink).Hash, position: pos, size: childSize, estimate: Number(childSize < maxBlockBytes ? childSize : maxBlockBytes) })
    pos = childEnd
  }
  const budget = options.budget
  const reads: Read[] = []
  let next = 0
  let window = readAheadStart
  /**
   * Starts reads up to the window while the budget has room. With `waiting`, the reader
   * waits for the first one, which it gets whatever the budget: a raw leaf in pieces,
   * another block whole (a file's inner nodes are small).
   */
  const readMore = (waiting: boolean): void => {
    // refilled once half the window is taken, so that reads are asked for in batches:
    // from peers, each batch is one wantlist message to each peer, not one per block
    if (reads.length > window / 2) return
    while (reads.length < window && next < wanted.length) {
      const child = wanted[next] as Wanted
      // among many readers a raw leaf always comes in pieces: read whole, it would be
      // copied into pieces again (twice the garbage; 200 downloads peaked ~30 MiB higher)
      const fits = budget == null || ((budget.views || child.cid.code !== raw.code) && budget.tryTake(child.estimate))
      if (!fits && !(waiting && reads.length === 0)) break
      next++
      if (!fits && child.cid.code === raw.code) {
        reads.push({ reserved: 0 })
        continue
      }
      const block = readWholeBlock(store, child.cid, options)
      block.catch(() => {}) // reported when its turn comes
      reads.push({ block, reserved: fits && budget != null ? child.estimate : 0 })
    }
  }
  // the budget of the block handed on last: its last view may be held until the next is taken
  let held = 0
  try {
    for (const child of wanted) {
      readMore(true)
      const read = reads.shift() as Read
      let views = false
      try {
        if (read.block == null) {
          yield * leafInPieces(store, child, start, end, options)
          continue
        }
        const asked = performance.now()
        const block = await read.block
        if (window < readAheadMax && performance.now() - asked > slowReadMs) window = Math.min(readAheadMax, window * 2)
        // hold only what the block takes (the estimate went by the size of the bytes under it)
        budget?.release(read.reserved - Math.min(read.reserved, block.byteLength))
        read.reserved = Math.min(read.reserved, block.byteLength)
        readMore(false)
        const { cid, position, size } = child
        const decoded = cid.code === dagPb.code ? dagPb.decode(block) : undefined
        // an inner node is not counted while its children are read (they count for
        // themselves), so its own data, if any, goes out in copies
        if (decoded != null && decoded.Links.length > 0) {
          budget?.release(read.reserved)
          read.reserved = 0
        }
        views = budget == null || (budget.views && read.reserved > 0)
        if (decoded != null) {
          yield * walk(store, { cid, position, size, node: decoded, views }, start, end, options)
        } else if (cid.code === raw.code) {
          yield * walk(store, { cid, position, size, node: block, views }, start, end, options)
        } else {
          throw new NotUnixfsError(`unsupported codec 0x${cid.code.toString(16)} in a file`)
        }
      } finally {
        // copies free a block once handed on; a block handed on as a view, once the
        // reader has taken the bytes after it (it may hold the last view until then)
        budget?.release(held)
        held = views ? read.reserved : 0
        if (!views) budget?.release(read.reserved)
        read.reserved = 0
      }
    }
  } finally {
    // a reader that stopped early gives back what it read ahead
    budget?.release(held)
    for (const read of reads) budget?.release(read.reserved)
  }
}

/**
 * Yields the part of [start, end) in a raw leaf read in pieces, each checked on the way
 * (see BlockReadOptions): the bytes past the size its parent gives it are not handed on,
 * and a leaf of another size fails once read.
 */
async function * leafInPieces (store: PieceSource, placed: Wanted, start: bigint, end: bigint, options: FileBytesOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const leafEnd = placed.position + placed.size
  const until = end < leafEnd ? end : leafEnd
  let at = placed.position
  for await (const piece of store.get(placed.cid, { ...options, inPieces: true })) {
    const part = within(piece, at, start, until)
    if (part != null) yield part
    at += BigInt(piece.byteLength)
  }
  if (at !== leafEnd) throw sizeMismatch(placed, at - placed.position)
}
