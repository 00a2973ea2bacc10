import { blockFilePath } from './block-files.js'
import { HashingBlockstore, type BlockReadOptions, type HashingBlockstoreOptions } from './hashing-blockstore.js'
import { UnsyncedFiles, type SyncCounts } from './unsynced-files.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Options for {@link SyncingBlockstore}. */
export interface SyncingBlockstoreOptions extends HashingBlockstoreOptions {
  /** `Datastore.Sync`: {@link SyncingBlockstore.sync} fsyncs the blocks written (default true). */
  sync: boolean
}

/**
 * The repo's blockstore ({@link HashingBlockstore} for reads), which remembers the block
 * files it writes, unsynced as blockstore-fs leaves them, until {@link sync} puts them
 * on stable storage: a write that reports CIDs syncs once at its end, not once per block.
 */
export class SyncingBlockstore extends HashingBlockstore {
  readonly #blocksDir: string
  readonly #unsynced: UnsyncedFiles | undefined
  /**
   * Writes under way, by block file (a block fetched for a reader is stored while the
   * reader goes on): `has` and `get` of such a block wait for its write, so nothing asks
   * the network again for a block that is on its way to disk.
   */
  readonly #writing = new Map<string, Promise<unknown>>()

  constructor (blocksDir: string, options: SyncingBlockstoreOptions) {
    super(blocksDir, options)
    this.#blocksDir = blocksDir
    this.#unsynced = options.sync ? new UnsyncedFiles(blocksDir) : undefined
  }

  override async put (key: CID, val: Parameters<HashingBlockstore['put']>[1], options?: AbortOptions): Promise<CID> {
    const path = blockFilePath(this.#blocksDir, key.multihash)
    const write = super.put(key, val, options)
    this.#writing.set(path, write)
    try {
      const cid = await write
      this.#unsynced?.add(path, val instanceof Uint8Array ? val.byteLength : 0)
      return cid
    } finally {
      if (this.#writing.get(path) === write) this.#writing.delete(path)
    }
  }

  override async has (key: CID, options?: AbortOptions): Promise<boolean> {
    await this.#written(key)
    return await super.has(key, options)
  }

  override async * get (cid: CID, options?: BlockReadOptions): AsyncGenerator<Uint8Array> {
    await this.#written(cid)
    yield * super.get(cid, options)
  }

  /** Waits for the block's write when one is under way. */
  async #written (cid: CID): Promise<void> {
    const write = this.#writing.get(blockFilePath(this.#blocksDir, cid.multihash))
    if (write != null) await write.catch(() => {})
  }

  /**
   * Resolves once every block written so far is on stable storage (its file and its
   * folder fsynced); with `Datastore.Sync` false, once the writes under way are done.
   */
  async sync (): Promise<void> {
    await this.writesDone()
    await this.#unsynced?.sync()
  }

  /** Closes the store once the writes under way are done (a process that stops keeps what it fetched). */
  override async close (): Promise<void> {
    await this.writesDone()
    await super.close()
  }

  /** Resolves once the writes under way now are done, whether they succeeded or not. */
  async writesDone (): Promise<void> {
    await Promise.allSettled([...this.#writing.values()])
  }

  /** Whether this process is writing the block file `path` now. */
  isWriting (path: string): boolean {
    return this.#writing.has(path)
  }

  /** Files and folders fsynced so far, and block files written and not yet synced (all zero without `Datastore.Sync`). */
  syncCounts (): SyncCounts & { unsynced: number } {
    return { ...(this.#unsynced?.counts ?? { files: 0, dirs: 0 }), unsynced: this.#unsynced?.size ?? 0 }
  }
}
