import { IDENTITY } from '../dag/codecs.js'
import { CorruptBlockError } from '../errors.js'
import type { BlockReadOptions } from '../repo/hashing-blockstore.js'
import type { NetworkFetch } from '../network/block-fetch.js'
import type { Helia } from 'helia'
import type { CID } from 'multiformats/cid'

/**
 * The read side of a blockstore, as the exporter uses it: `get` yields a block's pieces
 * (a source that can, yields them as it reads when asked to take the block in pieces).
 */
export interface PieceSource {
  get(cid: CID, options?: BlockReadOptions): AsyncGenerator<Uint8Array> | Generator<Uint8Array>
}

/** Joins a block's pieces into one buffer with a single copy. */
export async function readWholeBlock (store: PieceSource, cid: CID, options?: BlockReadOptions): Promise<Uint8Array> {
  const pieces: Uint8Array[] = []
  let length = 0
  for await (const piece of store.get(cid, options)) {
    pieces.push(piece)
    length += piece.byteLength
  }
  if (pieces.length === 1) return pieces[0] as Uint8Array
  const block = new Uint8Array(length)
  let offset = 0
  for (const piece of pieces) {
    block.set(piece, offset)
    offset += piece.byteLength
  }
  return block
}

/**
 * The node's blocks as every content read takes them (the exporter, `cat`, the gateway,
 * CAR export): whole, re-hashed on read by the repo (`Datastore.HashOnRead`), and, when
 * the node is online (`fetch` given), a block found corrupt on disk (moved aside by then)
 * fetched again from peers once instead of failing. A block on disk is read from `local`
 * (the repo's blockstore) straight away: Helia's storage layers ask `has` first (one more
 * file system call) and take a lock per read, half the cost of a small file on the
 * gateway; a block `local` lacks comes from `fetch` (an identity block, or any block in
 * an offline read, from Helia's blockstore, which fails it at once). A read in pieces
 * ({@link BlockReadOptions}) gets them from `local` as they are read; a block from the
 * network comes whole.
 */
export function contentBlocks (helia: Pick<Helia, 'blockstore'>, local: PieceSource, fetch?: NetworkFetch): PieceSource {
  const elsewhere = async (cid: CID, options: BlockReadOptions & { offline?: boolean }): Promise<Uint8Array> =>
    fetch != null && options.offline !== true && cid.multihash.code !== IDENTITY ? await fetch(cid, options) : await readWholeBlock(helia.blockstore, cid, options)
  return {
    async * get (cid: CID, options: BlockReadOptions & { offline?: boolean } = {}) {
      // once a piece is out the read can only fail: the block cannot start again
      let yielded = false
      try {
        if (cid.multihash.code !== IDENTITY) {
          try {
            for await (const piece of local.get(cid, options)) {
              yielded = true
              yield piece
            }
            return
          } catch (err) {
            if (yielded || (err as Error).name !== 'NotFoundError') throw err
          }
        }
        yield await elsewhere(cid, options)
      } catch (err) {
        if (yielded || !(err instanceof CorruptBlockError) || fetch == null || options.offline === true) throw err
        yield await elsewhere(cid, options)
      }
    }
  }
}
