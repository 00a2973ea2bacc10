import { blockSizeLimit, checkBlockSize } from '../blocks.js'
import { InvalidCarError, isCairnError } from '../errors.js'
import { hashName, isSupportedHash } from '../repo/block-hash.js'
import { ChunkedBytesReader } from './bytes-reader.js'
import type { BytesReader } from '@ipld/car/decoder'
import type { CID } from 'multiformats/cid'

/** One block of a CAR, not yet checked against its CID. */
export interface CarBlock {
  cid: CID
  bytes: Uint8Array
}

/** A CAR being read: its roots, then its blocks in order. */
export interface CarBlocks {
  roots: CID[]
  blocks: AsyncGenerator<CarBlock, void, undefined>
}

/** Options for {@link readCarBlocks}. */
export interface CarBlocksOptions {
  signal?: AbortSignal
  /** Name of the CAR in error messages. */
  name?: string
  /** Accept blocks above 2 MiB (Kubo's `--allow-big-block`). */
  allowBigBlock?: boolean
}

/** Room for a section's CID and length varint on top of its block. */
const SECTION_OVERHEAD = 4096

function oneLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0] ?? ''
}

/** `name: ` for messages about the CAR `options` name, or nothing. */
const carLabel = (options: CarBlocksOptions): string => options.name != null && options.name !== '' ? `${options.name}: ` : ''

/** An ERR_INVALID_CAR about the CAR `options` name: `invalid CAR <name>: <message>`. */
export function invalidCar (options: CarBlocksOptions, message: string, cause?: unknown): InvalidCarError {
  return new InvalidCarError(`invalid CAR ${carLabel(options)}${message}`, cause != null ? { cause } : undefined)
}

/**
 * Reads a CAR (v1, or v2 with its v1 payload) from a byte stream, holding no more of it
 * than the section being read: the header first, then each block as its section ends. A
 * bad header, a stream cut midway or an unsupported hash is an ERR_INVALID_CAR; a block
 * above 2 MiB (unless `allowBigBlock`) is an ERR_BLOCK_TOO_BIG, refused on its section's
 * length before it is read. Blocks are not hash-checked here: that is the caller's.
 */
export async function readCarBlocks (source: AsyncIterable<Uint8Array>, options: CarBlocksOptions = {}): Promise<CarBlocks> {
  const { limitReader, readBlockHead, readHeader } = await import('@ipld/car/decoder')
  const label = carLabel(options)
  const invalid = (message: string, cause?: unknown): InvalidCarError => invalidCar(options, message, cause)
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

  let count = 0
  const next = async (): Promise<CarBlock | undefined> => {
    try {
      if ((await reader.upTo(8)).length === 0) return undefined
      const head = await readBlockHead(reader)
      // refused on the section's own claim, before its bytes are read
      checkBlockSize(`${label}block ${head.cid.toString()}`, head.blockLength, allowBig)
      return { cid: head.cid, bytes: await reader.exactly(head.blockLength, true) }
    } catch (err) {
      if (isCairnError(err)) throw err
      options.signal?.throwIfAborted()
      throw invalid(`truncated or corrupt after ${count} blocks (${oneLine(err)})`, err)
    }
  }
  async function * blocks (): AsyncGenerator<CarBlock, void, undefined> {
    for (let block = await next(); block != null; block = await next()) {
      if (!isSupportedHash(block.cid.multihash.code)) {
        throw invalid(`block ${block.cid.toString()} uses an unsupported hash function (${hashName(block.cid.multihash.code)})`)
      }
      count++
      yield block
    }
  }
  return { roots, blocks: blocks() }
}
