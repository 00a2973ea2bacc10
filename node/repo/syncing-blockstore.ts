import { blockFilePath } from './block-files.js'
import { HashingBlockstore, type HashingBlockstoreOptions } from './hashing-blockstore.js'
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

  constructor (blocksDir: string, options: SyncingBlockstoreOptions) {
    super(blocksDir, options)
    this.#blocksDir = blocksDir
    this.#unsynced = options.sync ? new UnsyncedFiles(blocksDir) : undefined
  }

  override async put (key: CID, val: Parameters<HashingBlockstore['put']>[1], options?: AbortOptions): Promise<CID> {
    const cid = await super.put(key, val, options)
    this.#unsynced?.add(blockFilePath(this.#blocksDir, key.multihash))
    return cid
  }

  /**
   * Resolves once every block written so far is on stable storage (its file and its
   * folder fsynced); at once with `Datastore.Sync` false.
   */
  async sync (): Promise<void> {
    await this.#unsynced?.sync()
  }

  /** Files and folders fsynced so far, and block files written and not yet synced (all zero without `Datastore.Sync`). */
  syncCounts (): SyncCounts & { unsynced: number } {
    return { ...(this.#unsynced?.counts ?? { files: 0, dirs: 0 }), unsynced: this.#unsynced?.size ?? 0 }
  }
}
