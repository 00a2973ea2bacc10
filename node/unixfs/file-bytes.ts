import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { InvalidDagError, NotUnixfsError } from '../errors.js'
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
/**
 * Bytes are handed on in copies of at most this size, not as views of the block: every
 * async generator on the way to the socket keeps the last piece it passed until the next
 * one arrives, and a view would keep its whole block (up to 2 MiB) alive while the next
 * block is read; with 200 downloads that was most of the gateway's memory.
 */
const pieceBytes = 64 * 1024
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
  yield * walk(store, { node: root, size, position: 0n }, start, end, options)
}

/** A node of the file with where it starts and the size its parent's block sizes give it. */
interface Placed {
  node: dagPb.PBNode | Uint8Array
  size: bigint
  position: bigint
  cid?: CID
}

const minBig = (a: bigint, b: bigint): bigint => a < b ? a : b

function * slice (data: Uint8Array, position: bigint, start: bigint, end: bigint): Generator<Uint8Array> {
  const from = start > position ? Number(start - position) : 0
  const to = Math.min(data.byteLength, Number(end - position))
  // Uint8Array's slice copies; a Buffer's own slice would be a view again
  for (let at = from; at < to; at += pieceBytes) yield Uint8Array.prototype.slice.call(data, at, Math.min(to, at + pieceBytes))
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
  if (actual !== placed.size) {
    const what = placed.cid != null ? `file block ${placed.cid.toString()}` : 'file root'
    throw new InvalidDagError(`invalid DAG: ${what} holds ${actual} bytes where its parent's block sizes say ${placed.size}`)
  }
  if (node instanceof Uint8Array || file == null) {
    yield * slice(node as Uint8Array, position, start, end)
    return
  }
  let pos = position
  if (file.data != null && file.data.byteLength > 0) {
    yield * slice(file.data, pos, start, end)
    pos += BigInt(file.data.byteLength)
  }
  if (node.Links.length !== file.blockSizes.length) throw new InvalidDagError('invalid DAG: file node links and block sizes disagree')
  const wanted: Array<{ cid: CID, position: bigint, size: bigint, estimate: number }> = []
  for (let i = 0; i < node.Links.length && pos < end; i++) {
    const childSize = file.blockSizes[i] as bigint
    const childEnd = pos + childSize
    if (childEnd > start) wanted.push({ cid: (node.Links[i] as dagPb.PBLink).Hash, position: pos, size: childSize, estimate: Number(childSize < maxBlockBytes ? childSize : maxBlockBytes) })
    pos = childEnd
  }
  const budget = options.budget
  // each read with the budget bytes it holds (none for the block the reader waits for)
  const reads: Array<{ block: Promise<Uint8Array>, reserved: number }> = []
  let next = 0
  let window = readAheadStart
  /** Starts reads up to the window; with `waiting`, the reader waits for the first one, which needs no budget. */
  const readMore = (waiting: boolean): void => {
    while (reads.length < window && next < wanted.length) {
      const child = wanted[next] as { cid: CID, estimate: number }
      const reserved = budget == null || (waiting && reads.length === 0) ? 0 : child.estimate
      if (reserved > 0 && budget?.tryTake(reserved) !== true) break
      const block = readWholeBlock(store, child.cid, options)
      block.catch(() => {}) // reported when its turn comes
      reads.push({ block, reserved })
      next++
    }
  }
  try {
    for (const child of wanted) {
      readMore(true)
      const asked = performance.now()
      const read = reads.shift() as { block: Promise<Uint8Array>, reserved: number }
      budget?.release(read.reserved)
      const block = await read.block
      if (window < readAheadMax && performance.now() - asked > slowReadMs) window = Math.min(readAheadMax, window * 2)
      readMore(false)
      if (child.cid.code === dagPb.code || child.cid.code === raw.code) {
        const { cid, position, size } = child
        yield * walk(store, { cid, position, size, node: cid.code === dagPb.code ? dagPb.decode(block) : block }, start, end, options)
      } else {
        throw new NotUnixfsError(`unsupported codec 0x${child.cid.code.toString(16)} in a file`)
      }
    }
  } finally {
    // a reader that stopped early gives back what it read ahead
    for (const read of reads) budget?.release(read.reserved)
  }
}
