import { Key, type Datastore } from 'interface-datastore'
import type { SyncingDatastore } from '../repo/syncing-datastore.js'

/** A sweep whose provides all went out. */
export interface SweepDone {
  /** When it started, ms since 1970. */
  at: number
  /** The `Provide.Strategy` it swept under. */
  strategy: string
}

/** Where the reprovider keeps, across restarts, when its last sweep went out. */
export interface SweepRecord {
  /** The last sweep that went out; undefined when none has, or the repo gained content offline since. */
  get(): Promise<SweepDone | undefined>
  set(done: SweepDone): Promise<void>
}

/** The datastore key of the record (Kubo keeps its own at `/reprovide/lastreprovide`). */
export const lastSweepKey = new Key('/reprovide/last-sweep')

/** A {@link SweepRecord} in the repo's datastore. */
export function sweepRecord (datastore: Datastore): SweepRecord {
  return {
    async get () {
      if (!await datastore.has(lastSweepKey)) return undefined
      // "<ms> <strategy>"; anything else (a damaged record) is no record
      const match = /^(\d+) (\S+)$/.exec(new TextDecoder().decode(await datastore.get(lastSweepKey)))
      return match != null ? { at: Number(match[1]), strategy: match[2] as string } : undefined
    },
    async set (done) {
      await datastore.put(lastSweepKey, new TextEncoder().encode(`${done.at} ${done.strategy}`))
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
