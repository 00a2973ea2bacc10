import { blockProblem } from '../repo/verify.js'
import { invalidCar, readCarBlocks, type CarBlocksOptions } from './car-blocks.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** What one CAR brought in. */
export interface CarImportResult {
  roots: CID[]
  /** Blocks read from the CAR (duplicates counted each time, as Kubo does). */
  blocks: number
  /** Bytes of those blocks. */
  bytes: number
}

/** Options for {@link importCar}. */
export type CarImportOptions = CarBlocksOptions

/**
 * Blocks checked and written at the same time, while the next ones are read (each is
 * written to a temp file, then renamed; a check of a large block runs on libuv's threads).
 */
const WRITE_WINDOW = 16

/**
 * Streams a CAR ({@link readCarBlocks}) into the blockstore: each block is hash-checked
 * against its CID before it is written, and the stream is never held in memory beyond
 * the blocks being written. A block whose bytes do not match its CID is an
 * ERR_INVALID_CAR, as are the reader's errors. Blocks written before an error stay, as
 * in Kubo, until GC removes them: nothing pins them.
 */
export async function importCar (node: CairnNode, source: AsyncIterable<Uint8Array>, options: CarImportOptions = {}): Promise<CarImportResult> {
  const car = await readCarBlocks(source, options)

  let blocks = 0
  let bytes = 0
  const pending = new Set<Promise<unknown>>()
  let failure: unknown
  // a block is written only once its check has passed; the next ones are read meanwhile
  const checkAndWrite = async (cid: CID, bytes: Uint8Array): Promise<void> => {
    const problem = await blockProblem(cid.multihash, bytes)
    if (problem != null) throw invalidCar(options, `block ${cid.toString()}: ${problem}`)
    await node.helia.blockstore.put(cid, bytes, options.signal != null ? { signal: options.signal } : {})
  }
  const start = (cid: CID, bytes: Uint8Array): void => {
    const work = checkAndWrite(cid, bytes)
      .catch((err: unknown) => { failure ??= err })
      .finally(() => { pending.delete(work) })
    pending.add(work)
  }
  try {
    for await (const block of car.blocks) {
      blocks++
      bytes += block.bytes.byteLength
      start(block.cid, block.bytes)
      if (pending.size >= WRITE_WINDOW) await Promise.race(pending)
      if (failure != null) throw failure
    }
  } finally {
    await Promise.all(pending)
  }
  if (failure != null) throw failure
  return { roots: car.roots, blocks, bytes }
}
