import { Key, type Datastore } from 'interface-datastore'
import type { SyncingDatastore } from '../repo/syncing-datastore.js'

/** Where the reprovider keeps, across restarts, when its last sweep went out. */
export interface SweepRecord {
  /** When the last sweep whose provides all went out started (ms since 1970); undefined when none has, or the repo gained content offline since. */
  get(): Promise<number | undefined>
  set(at: number): Promise<void>
}

/** The datastore key of the record (Kubo keeps its own at `/reprovide/lastreprovide`). */
const lastSweepKey = new Key('/reprovide/last-sweep')

/** A {@link SweepRecord} in the repo's datastore. */
export function sweepRecord (datastore: Datastore): SweepRecord {
  return {
    async get () {
      if (!await datastore.has(lastSweepKey)) return undefined
      const at = Number(new TextDecoder().decode(await datastore.get(lastSweepKey)))
      return Number.isFinite(at) ? at : undefined
    },
    async set (at) {
      await datastore.put(lastSweepKey, new TextEncoder().encode(String(at)))
    }
  }
}

/**
 * Forgets the last sweep, so that the next daemon start sweeps soon: for content added
 * or pinned offline, which no daemon announced. Synced, as the add's own commit is.
 */
export async function forgetLastSweep (datastore: SyncingDatastore): Promise<void> {
  if (!await datastore.has(lastSweepKey)) return
  await datastore.delete(lastSweepKey)
  await datastore.sync()
}
