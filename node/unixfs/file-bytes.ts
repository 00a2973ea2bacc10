import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { NotUnixfsError } from '../errors.js'
import { readWholeBlock, type PieceSource } from './whole-blocks.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** How many sibling blocks are read ahead of the one being yielded (per DAG level). */
const readAhead = 4

/** Options for {@link readFileBytes}. */
export interface FileBytesOptions extends AbortOptions {
  offset?: number
  length?: number
  offline?: boolean
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
  yield * walk(store, root, 0n, start, end, options)
}

const minBig = (a: bigint, b: bigint): bigint => a < b ? a : b

function * slice (data: Uint8Array, position: bigint, start: bigint, end: bigint): Generator<Uint8Array> {
  const from = start > position ? Number(start - position) : 0
  const to = Math.min(data.byteLength, Number(end - position))
  if (to > from) yield data.subarray(from, to)
}

async function * walk (store: PieceSource, node: dagPb.PBNode | Uint8Array, position: bigint, start: bigint, end: bigint, options: FileBytesOptions): AsyncGenerator<Uint8Array, void, undefined> {
  if (node instanceof Uint8Array) {
    yield * slice(node, position, start, end)
    return
  }
  if (node.Data == null) throw new NotUnixfsError('dag-pb node without UnixFS data in a file')
  const file = UnixFS.unmarshal(node.Data)
  let pos = position
  if (file.data != null && file.data.byteLength > 0) {
    yield * slice(file.data, pos, start, end)
    pos += BigInt(file.data.byteLength)
  }
  if (node.Links.length !== file.blockSizes.length) throw new NotUnixfsError('file node links and block sizes disagree')
  const wanted: Array<{ cid: CID, position: bigint }> = []
  for (let i = 0; i < node.Links.length && pos < end; i++) {
    const childEnd = pos + (file.blockSizes[i] as bigint)
    if (childEnd > start) wanted.push({ cid: (node.Links[i] as dagPb.PBLink).Hash, position: pos })
    pos = childEnd
  }
  const reads: Array<Promise<Uint8Array>> = []
  let next = 0
  const readMore = (): void => {
    while (reads.length < readAhead && next < wanted.length) {
      const read = readWholeBlock(store, (wanted[next] as { cid: CID }).cid, options)
      read.catch(() => {}) // reported when its turn comes
      reads.push(read)
      next++
    }
  }
  for (const child of wanted) {
    readMore()
    const block = await (reads.shift() as Promise<Uint8Array>)
    readMore()
    if (child.cid.code === dagPb.code) {
      yield * walk(store, dagPb.decode(block), child.position, start, end, options)
    } else if (child.cid.code === raw.code) {
      yield * slice(block, child.position, start, end)
    } else {
      throw new NotUnixfsError(`unsupported codec 0x${child.cid.code.toString(16)} in a file`)
    }
  }
}
