import { blockKey } from '../repo/block-files.js'
import { RAW } from './codecs.js'
import { linksOf } from './links.js'
import type { CID } from 'multiformats/cid'

/** The sink a write puts its blocks into (the importer's `WritableStorage`). */
export interface BlockSink {
  put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<CID> | CID
}

/**
 * Entries and links {@link WrittenLinks} holds at most: about 100 bytes each, so ~25 MiB.
 * A 512 MiB CIDv0 add records 2,060 blocks; past the bound the walk reads the blocks not
 * recorded, as it would without any.
 */
const MAX_RECORDED = 256 * 1024

const NO_LINKS: readonly CID[] = Object.freeze([])

/**
 * The links of the blocks a write (`add`) puts, recorded as they go by, so that the pin
 * ending the write walks its DAG from memory instead of reading back (and, with
 * `Datastore.HashOnRead`, re-hashing) every block it has just written: a 512 MiB CIDv0
 * add read its 2,048 leaves of 256 KiB again. Raw blocks link to nothing and are not recorded.
 */
export class WrittenLinks {
  readonly #links = new Map<string, readonly CID[]>()
  #recorded = 0

  /** `sink`, recording the links of each block put through it. */
  recording (sink: BlockSink): BlockSink {
    return {
      put: async (cid, bytes, options) => {
        const put = await sink.put(cid, bytes, options)
        this.#record(cid, bytes)
        return put
      }
    }
  }

  /** The links of a block put through {@link recording}, or undefined when it was not recorded. */
  linksOf (cid: CID): readonly CID[] | undefined {
    return this.#links.get(blockKey(cid.multihash))
  }

  #record (cid: CID, bytes: Uint8Array): void {
    if (cid.code === RAW || this.#recorded >= MAX_RECORDED) return
    const links = linksOf(cid, bytes)
    this.#links.set(blockKey(cid.multihash), links.length === 0 ? NO_LINKS : links)
    this.#recorded += 1 + links.length
  }
}
