import { InvalidCarError } from '../errors.js'
import { hashName, isSupportedHash } from '../repo/block-hash.js'
import { blockProblem } from '../repo/verify.js'
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
export interface CarImportOptions {
  signal?: AbortSignal
  /** Name of the CAR in error messages. */
  name?: string
}

/** Blocks written at the same time (blockstore-fs writes each to a temp file, then renames). */
const WRITE_WINDOW = 16

function oneLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0] ?? ''
}

/**
 * Streams a CAR (v1, or v2 with its v1 payload) into the blockstore: each block is
 * hash-checked against its CID before it is written, and the stream is never held in
 * memory beyond the blocks being written. A bad header, a stream cut midway, a block
 * whose bytes do not match its CID or an unsupported hash is an ERR_INVALID_CAR. Blocks
 * written before the error stay until GC removes them (nothing pins them).
 */
export async function importCar (node: CairnNode, source: AsyncIterable<Uint8Array>, options: CarImportOptions = {}): Promise<CarImportResult> {
  const { CarBlockIterator } = await import('@ipld/car/iterator')
  const label = options.name != null && options.name !== '' ? `${options.name}: ` : ''
  const invalid = (message: string, cause?: unknown): InvalidCarError =>
    new InvalidCarError(`invalid CAR ${label}${message}`, cause != null ? { cause } : undefined)

  let iterator: Awaited<ReturnType<typeof CarBlockIterator.fromIterable>>
  let roots: CID[]
  try {
    iterator = await CarBlockIterator.fromIterable(source)
    roots = await iterator.getRoots()
  } catch (err) {
    options.signal?.throwIfAborted()
    throw invalid(`bad header (${oneLine(err)})`, err)
  }

  const pending = new Set<Promise<unknown>>()
  let failure: unknown
  const write = (cid: CID, bytes: Uint8Array): void => {
    const put = Promise.resolve(node.helia.blockstore.put(cid, bytes, options.signal != null ? { signal: options.signal } : {}))
      .catch((err: unknown) => { failure ??= err })
      .finally(() => { pending.delete(put) })
    pending.add(put)
  }

  let blocks = 0
  let bytes = 0
  try {
    const blockIterator = iterator[Symbol.asyncIterator]()
    while (true) {
      let next: IteratorResult<{ cid: CID, bytes: Uint8Array }>
      try {
        next = await blockIterator.next()
      } catch (err) {
        options.signal?.throwIfAborted()
        throw invalid(`truncated or corrupt after ${blocks} blocks (${oneLine(err)})`, err)
      }
      if (next.done === true) break
      const block = next.value
      if (!isSupportedHash(block.cid.multihash.code)) {
        throw invalid(`block ${block.cid.toString()} uses an unsupported hash function (${hashName(block.cid.multihash.code)})`)
      }
      const problem = blockProblem(block.cid.multihash, block.bytes)
      if (problem != null) throw invalid(`block ${block.cid.toString()}: ${problem}`)
      blocks++
      bytes += block.bytes.byteLength
      write(block.cid, block.bytes)
      if (pending.size >= WRITE_WINDOW) await Promise.race(pending)
      if (failure != null) throw failure
    }
  } finally {
    await Promise.all(pending)
  }
  if (failure != null) throw failure
  return { roots, blocks, bytes }
}
