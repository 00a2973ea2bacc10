import { mkdir, open, rename, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { CorruptBlockError } from '../errors.js'
import { blockFilePath, blockKey } from './block-files.js'
import { hasBlockFile, readBlockFile } from './block-read.js'
import { BlockFileWriter } from './block-write.js'
import { isSupportedHash } from './block-hash.js'
import { blockChecker, blockProblem } from './verify.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * The error a store gives for a block it does not hold: named `NotFoundError`, as
 * interface-store's (blockstore-fs's), which Helia, the exporter and bitswap's serving know.
 */
export function blockNotFound (message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause !== undefined ? { cause } : undefined), { name: 'NotFoundError' })
}

/** Options for {@link HashingBlockstore}. */
export interface HashingBlockstoreOptions {
  /** `Datastore.HashOnRead`: re-hash every block read (default true). */
  hashOnRead: boolean
  /** Where corrupt block files are moved (`<repo>/corrupt`). */
  corruptDir: string
}

/**
 * How much of a block file a read {@link BlockReadOptions.inPieces} takes at a time (and
 * the size of the pieces file reads hand on): smaller reads cost more CPU per byte (32 KiB
 * took twice the CPU of one 1 MiB read here, 64 KiB 1.5×), larger ones more memory per
 * reader: each async generator between the file and the socket keeps the last piece it
 * passed, about four live pieces per download. 200 concurrent downloads of 20 MB peaked
 * at 280–325 MiB RSS with 64 KiB pieces, 234–267 with 32 KiB (227–238 with 16 KiB, at
 * half the throughput).
 */
export const pieceBytes = 32 * 1024

/** Options for {@link HashingBlockstore.get}. */
export interface BlockReadOptions extends AbortOptions {
  /**
   * Yield the block in pieces of at most {@link pieceBytes} as they are read, hashed as they go,
   * instead of whole: memory per read stays at one piece whatever the block's size. The
   * check comes at the end, before the last piece is yielded: a corrupt block's first
   * pieces have been handed on by then, and the read fails before it completes.
   */
  inPieces?: boolean
}

/**
 * blockstore-fs, with `put` writing through {@link BlockFileWriter}; `has` and `get`
 * doing their file system calls in place where that is cheaper ({@link readBlockFile});
 * `get` reading each block file in one piece (one buffer of the file's size: linear in
 * the block's size, where joining blockstore-fs's 64 KiB pieces by growing a buffer is
 * quadratic; and the file is closed however the read ends, where blockstore-fs's `get`
 * leaves an aborted read's FileHandle for the GC to close, with Node's DEP0137 warning)
 * and, with `Datastore.HashOnRead`, re-hashing it before anyone uses it. A block whose
 * bytes do not match its CID is moved out of the blockstore into `<repo>/corrupt/` (so
 * it reads as missing from then on: fetched again when the node is online, listed by
 * `repo verify`) and the read fails with ERR_CORRUPT_BLOCK. A read may also take the
 * block in pieces ({@link BlockReadOptions}).
 */
export class HashingBlockstore extends FsBlockstore {
  readonly #blocksDir: string
  readonly #options: HashingBlockstoreOptions
  readonly #writer = new BlockFileWriter()

  constructor (blocksDir: string, options: HashingBlockstoreOptions) {
    super(blocksDir)
    this.#blocksDir = blocksDir
    this.#options = options
  }

  /** Whether the block's file is there ({@link hasBlockFile}: no round trip through libuv's threads). */
  override async has (key: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return hasBlockFile(blockFilePath(this.#blocksDir, key.multihash))
  }

  /** Writes a block's file with {@link BlockFileWriter} (the same file blockstore-fs writes, in fewer calls). */
  override async put (key: CID, val: Parameters<FsBlockstore['put']>[1], options?: AbortOptions): Promise<CID> {
    if (!(val instanceof Uint8Array)) return await super.put(key, val, options)
    options?.signal?.throwIfAborted()
    try {
      await this.#writer.write(blockFilePath(this.#blocksDir, key.multihash), val)
    } catch (err) {
      throw Object.assign(new Error(`could not write block ${key.toString()}: ${(err as Error).message}`, { cause: err }), { name: 'PutFailedError' })
    }
    return key
  }

  override async * get (cid: CID, options?: BlockReadOptions): AsyncGenerator<Uint8Array> {
    const path = blockFilePath(this.#blocksDir, cid.multihash)
    if (options?.inPieces === true) {
      yield * this.#pieces(cid, path, await this.#open(cid, path, async () => await open(path), options), options)
      return
    }
    const bytes = await this.#open(cid, path, async () => await readBlockFile(path, options), options)
    if (this.#options.hashOnRead && isSupportedHash(cid.multihash.code)) {
      const problem = await blockProblem(cid.multihash, bytes)
      if (problem != null) throw await this.#corrupt(cid, path, problem)
    }
    yield bytes
  }

  /** Runs `read`, a missing file becoming the NotFoundError blockstore-fs gives (which Helia and the exporter know). */
  async #open<T> (cid: CID, path: string, read: () => Promise<T>, options?: AbortOptions): Promise<T> {
    try {
      return await read()
    } catch (err) {
      options?.signal?.throwIfAborted()
      throw blockNotFound(`block ${cid.toString()} not found: ${(err as Error).message}`, err)
    }
  }

  async * #pieces (cid: CID, path: string, file: FileHandle, options: AbortOptions): AsyncGenerator<Uint8Array> {
    try {
      const check = this.#options.hashOnRead && isSupportedHash(cid.multihash.code) ? blockChecker(cid.multihash) : undefined
      let left = (await file.stat()).size
      do {
        options.signal?.throwIfAborted()
        const piece = Buffer.allocUnsafe(Math.min(left, pieceBytes))
        const { bytesRead } = await file.read(piece, 0, piece.byteLength)
        if (bytesRead < piece.byteLength) throw new Error(`block file ${path} ended early (changed while read)`)
        left -= bytesRead
        check?.update(piece)
        const problem = left === 0 ? check?.problem() : undefined
        if (problem != null) throw await this.#corrupt(cid, path, problem)
        yield piece
      } while (left > 0)
    } finally {
      await file.close()
    }
  }

  async #corrupt (cid: CID, path: string, problem: string): Promise<CorruptBlockError> {
    const aside = await this.#moveAside(cid, path)
    return new CorruptBlockError(`block ${cid.toString()} is corrupt on disk (${problem}); moved aside to ${aside}`)
  }

  async #moveAside (cid: CID, path: string): Promise<string> {
    await mkdir(this.#options.corruptDir, { recursive: true })
    const aside = join(this.#options.corruptDir, `${blockKey(cid.multihash)}.data`)
    await rename(path, aside).catch(() => {}) // a concurrent read moved it first
    return aside
  }
}
