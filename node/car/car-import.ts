import { blockSizeLimit, checkBlockSize } from '../blocks.js'
import { InvalidCarError, isCairnError } from '../errors.js'
import { hashName, isSupportedHash } from '../repo/block-hash.js'
import { blockProblem } from '../repo/verify.js'
import { ChunkedBytesReader } from './bytes-reader.js'
import type { CairnNode } from '../node.js'
import type { BytesReader } from '@ipld/car/decoder'
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
  /** Accept blocks above 2 MiB (Kubo's `--allow-big-block`). */
  allowBigBlock?: boolean
}

/** Room for a section's CID and length varint on top of its block. */
const SECTION_OVERHEAD = 4096

/**
 * Blocks checked and written at the same time, while the next ones are read (each is
 * written to a temp file, then renamed; a check of a large block runs on libuv's threads).
 */
const WRITE_WINDOW = 16

function oneLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0] ?? ''
}

/**
 * Streams a CAR (v1, or v2 with its v1 payload) into the blockstore: each block is
 * hash-checked against its CID before it is written, and the stream is never held in
 * memory beyond the blocks being written. A bad header, a stream cut midway, a block
 * whose bytes do not match its CID or an unsupported hash is an ERR_INVALID_CAR; a block
 * above 2 MiB (unless `allowBigBlock`) is an ERR_BLOCK_TOO_BIG, refused on its section's
 * length before it is read. Every section is read with a size cap. Blocks written before
 * an error stay, as in Kubo, until GC removes them: nothing pins them.
 */
export async function importCar (node: CairnNode, source: AsyncIterable<Uint8Array>, options: CarImportOptions = {}): Promise<CarImportResult> {
  const { limitReader, readBlockHead, readHeader } = await import('@ipld/car/decoder')
  const label = options.name != null && options.name !== '' ? `${options.name}: ` : ''
  const invalid = (message: string, cause?: unknown): InvalidCarError =>
    new InvalidCarError(`invalid CAR ${label}${message}`, cause != null ? { cause } : undefined)
  const allowBig = options.allowBigBlock === true

  let reader: BytesReader = new ChunkedBytesReader(source, blockSizeLimit(allowBig) + SECTION_OVERHEAD)
  let roots: CID[]
  try {
    const header = await readHeader(reader)
    // a CARv2 holds a CARv1 payload of dataSize bytes (its index after it is not read)
    if (header.version === 2) reader = limitReader(reader, header.dataSize - (reader.pos - header.dataOffset))
    roots = header.roots
  } catch (err) {
    options.signal?.throwIfAborted()
    throw invalid(`bad header (${oneLine(err)})`, err)
  }

  let blocks = 0
  let bytes = 0
  const pending = new Set<Promise<unknown>>()
  let failure: unknown
  // a block is written only once its check has passed; the next ones are read meanwhile
  const checkAndWrite = async (cid: CID, bytes: Uint8Array): Promise<void> => {
    const problem = await blockProblem(cid.multihash, bytes)
    if (problem != null) throw invalid(`block ${cid.toString()}: ${problem}`)
    await node.helia.blockstore.put(cid, bytes, options.signal != null ? { signal: options.signal } : {})
  }
  const start = (cid: CID, bytes: Uint8Array): void => {
    const work = checkAndWrite(cid, bytes)
      .catch((err: unknown) => { failure ??= err })
      .finally(() => { pending.delete(work) })
    pending.add(work)
  }
  const next = async (): Promise<{ cid: CID, bytes: Uint8Array } | undefined> => {
    try {
      if ((await reader.upTo(8)).length === 0) return undefined
      const head = await readBlockHead(reader)
      // refused on the section's own claim, before its bytes are read
      checkBlockSize(`${label}block ${head.cid.toString()}`, head.blockLength, allowBig)
      return { cid: head.cid, bytes: await reader.exactly(head.blockLength, true) }
    } catch (err) {
      if (isCairnError(err)) throw err
      options.signal?.throwIfAborted()
      throw invalid(`truncated or corrupt after ${blocks} blocks (${oneLine(err)})`, err)
    }
  }

  try {
    for (let block = await next(); block != null; block = await next()) {
      if (!isSupportedHash(block.cid.multihash.code)) {
        throw invalid(`block ${block.cid.toString()} uses an unsupported hash function (${hashName(block.cid.multihash.code)})`)
      }
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
  return { roots, blocks, bytes }
}
