import { addPin } from './pins.js'
import type { WrittenLinks } from '../dag/written-links.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** Options for {@link commitWrite}. */
export interface CommitWriteOptions {
  /** Pin each root recursively. */
  pin: boolean
  /** The links of the DAG the caller just wrote whole (see addPin's `written`). */
  written?: WrittenLinks
  /** Put before the message of a pin's failure (Kubo's `dag import` names the root). */
  pinFailure?: (root: CID) => string
  signal?: AbortSignal
}

/**
 * The last step of every write that reports CIDs (`add`, `dag import`, `block put`; CLI
 * and RPC alike), before they are reported: pins the roots when asked and, with
 * `Datastore.Sync`, puts every block written and those pins on stable storage, so a
 * CID once reported survives a power cut.
 */
export async function commitWrite (node: CairnNode, roots: CID[], options: CommitWriteOptions): Promise<void> {
  if (!options.pin) {
    await node.repo.blockstore.sync()
    return
  }
  for (const root of roots) {
    try {
      // syncs the blocks before the pin, and the pin
      await addPin(node, root, { recursive: true, ...(options.written != null ? { written: options.written } : {}), ...(options.signal != null ? { signal: options.signal } : {}) })
    } catch (err) {
      // the error keeps its class and code
      if (options.pinFailure != null && err instanceof Error) err.message = `${options.pinFailure(root)}${err.message}`
      throw err
    }
  }
}
