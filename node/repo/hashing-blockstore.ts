import { mkdir, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { CorruptBlockError } from '../errors.js'
import { blockFilePath, blockKey } from './block-files.js'
import { isSupportedHash } from './block-hash.js'
import { blockProblem } from './verify.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Options for {@link HashingBlockstore}. */
export interface HashingBlockstoreOptions {
  /** `Datastore.HashOnRead`: re-hash every block read (default true). */
  hashOnRead: boolean
  /** Where corrupt block files are moved (`<repo>/corrupt`). */
  corruptDir: string
}

/**
 * blockstore-fs, with `get` reading each block file in one piece (one buffer of the
 * file's size: linear in the block's size, where joining blockstore-fs's 64 KiB pieces
 * by growing a buffer is quadratic; and readFile closes its file when the read is
 * aborted, where blockstore-fs's `get` leaves an aborted read's FileHandle for the GC to
 * close, with Node's DEP0137 warning) and, with `Datastore.HashOnRead`, re-hashing it
 * before anyone uses it. A block whose bytes do not match its CID is moved out of the
 * blockstore into `<repo>/corrupt/` (so it reads as missing from then on: fetched again
 * when the node is online, listed by `repo verify`) and the read fails with
 * ERR_CORRUPT_BLOCK.
 */
export class HashingBlockstore extends FsBlockstore {
  readonly #blocksDir: string
  readonly #options: HashingBlockstoreOptions

  constructor (blocksDir: string, options: HashingBlockstoreOptions) {
    super(blocksDir)
    this.#blocksDir = blocksDir
    this.#options = options
  }

  override async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const path = blockFilePath(this.#blocksDir, cid.multihash)
    let bytes: Uint8Array
    try {
      bytes = await readFile(path, options?.signal != null ? { signal: options.signal } : {})
    } catch (err) {
      options?.signal?.throwIfAborted()
      // the name blockstore-fs gives a missing block, which Helia and the exporter know
      throw Object.assign(new Error(`block ${cid.toString()} not found: ${(err as Error).message}`, { cause: err }), { name: 'NotFoundError' })
    }
    if (this.#options.hashOnRead && isSupportedHash(cid.multihash.code)) {
      const problem = blockProblem(cid.multihash, bytes)
      if (problem != null) {
        const aside = await this.#moveAside(cid, path)
        throw new CorruptBlockError(`block ${cid.toString()} is corrupt on disk (${problem}); moved aside to ${aside}`)
      }
    }
    yield bytes
  }

  async #moveAside (cid: CID, path: string): Promise<string> {
    await mkdir(this.#options.corruptDir, { recursive: true })
    const aside = join(this.#options.corruptDir, `${blockKey(cid.multihash)}.data`)
    await rename(path, aside).catch(() => {}) // a concurrent read moved it first
    return aside
  }
}
