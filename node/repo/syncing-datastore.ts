import { LevelDatastore } from 'datastore-level'

/** The key of the one synced write that {@link SyncingDatastore.sync} makes. */
const SYNC_KEY = '/local/sync'

/**
 * The repo's datastore (LevelDB, through datastore-level), written without fsync as
 * datastore-level writes, plus {@link sync} to put every write so far on stable storage.
 */
export class SyncingDatastore extends LevelDatastore {
  readonly #sync: boolean

  /** `sync` is `Datastore.Sync`: false makes {@link sync} do nothing. */
  constructor (path: string, sync: boolean) {
    super(path)
    this.#sync = sync
  }

  /**
   * Resolves once every write made so far is on stable storage; at once with
   * `Datastore.Sync` false. LevelDB appends every write to one log, in order: one synced
   * write fsyncs that log, so it syncs every write before it (one fsync for a pin and
   * the thousands of block counts Helia writes with it).
   */
  async sync (): Promise<void> {
    if (!this.#sync) return
    await this.db.put(SYNC_KEY, new Uint8Array(0), { sync: true })
  }
}
