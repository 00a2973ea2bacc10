import { IDENTITY } from '../dag/codecs.js'
import { CorruptBlockError } from '../errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Helia } from 'helia'
import type { CID } from 'multiformats/cid'

/** The read side of a blockstore, as the exporter uses it: `get` yields a block's pieces. */
export interface PieceSource {
  get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> | Generator<Uint8Array>
}

/** Joins a block's pieces into one buffer with a single copy. */
export async function readWholeBlock (store: PieceSource, cid: CID, options?: AbortOptions): Promise<Uint8Array> {
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
 * the node is online, a block found corrupt on disk (moved aside by then) fetched again
 * from peers once instead of failing. A block on disk is read from `local` (the repo's
 * blockstore) straight away: Helia's storage layers ask `has` first (one more file
 * system call) and take a lock per read, half the cost of a small file on the gateway;
 * only a block `local` lacks goes through Helia, to the network.
 */
export function contentBlocks (helia: Pick<Helia, 'blockstore'>, online: boolean, local: PieceSource): PieceSource {
  const read = async (cid: CID, options: AbortOptions & { offline?: boolean }): Promise<Uint8Array> => {
    if (cid.multihash.code !== IDENTITY) {
      try {
        return await readWholeBlock(local, cid, options)
      } catch (err) {
        if ((err as Error).name !== 'NotFoundError') throw err
      }
    }
    return await readWholeBlock(helia.blockstore, cid, options)
  }
  return {
    async * get (cid: CID, options: AbortOptions & { offline?: boolean } = {}) {
      try {
        yield await read(cid, options)
      } catch (err) {
        if (!(err instanceof CorruptBlockError) || !online || options.offline === true) throw err
        yield await readWholeBlock(helia.blockstore, cid, options)
      }
    }
  }
}
