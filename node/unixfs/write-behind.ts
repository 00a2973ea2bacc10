import type { WritableStorage } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'

/** Leaf writes under way at once (at most {@link MAX_BEHIND_BYTES} of them) before the next leaf waits for one to end. */
const MAX_BEHIND = 32

/** Bytes of leaf writes under way at once: 8 leaves of 1 MiB (16 let a 512 MiB add's CPU grow by a third). */
const MAX_BEHIND_BYTES = 8 * 1024 * 1024

/**
 * The block writes of one import, with the leaves written behind the importer: it runs
 * its leaf jobs in batches of 4 and waits for the whole batch, so with each job waiting
 * for its write, the main thread sat idle while the slowest of 4 writes ended before it
 * hashed the next chunk. A leaf ({@link behind}) waits only while many writes are under
 * way; every other block (a file's or a directory's node, put through {@link ordered})
 * waits until the leaves started before it have been written, so no node is stored
 * before what it links to, and a failed leaf write fails the node after it. {@link settle}
 * ends the import.
 */
export class WriteBehind {
  readonly #store: WritableStorage
  readonly #writing = new Set<Promise<void>>()
  #bytes = 0
  /** Leaves waiting for a write to end, woken one per write that ends. */
  readonly #waiting: Array<() => void> = []
  #failure: { err: unknown } | undefined
  /** The store for the importer: each put waits for the leaves written behind first. */
  readonly ordered: WritableStorage

  constructor (store: WritableStorage) {
    this.#store = store
    this.ordered = {
      put: async (cid, bytes, options) => {
        await this.settle()
        return await store.put(cid, bytes, options)
      }
    }
  }

  /**
   * Starts a leaf's write; resolves at once unless many are under way. Throws an earlier
   * write's failure. `written` is called once the write has ended (the block's bytes are
   * then free for other use).
   */
  async behind (cid: CID, block: Uint8Array, written?: () => void): Promise<void> {
    this.#failed()
    const size = block.byteLength
    this.#bytes += size
    const write: Promise<void> = Promise.resolve(this.#store.put(cid, block)).then(
      () => { written?.() },
      (err: unknown) => { this.#failure ??= { err } }
    ).finally(() => {
      this.#writing.delete(write)
      this.#bytes -= size
      this.#waiting.shift()?.()
    })
    this.#writing.add(write)
    while (this.#full()) await new Promise<void>(resolve => this.#waiting.push(resolve))
    this.#failed()
  }

  #full (): boolean {
    return this.#writing.size >= MAX_BEHIND || this.#bytes > MAX_BEHIND_BYTES
  }

  /** Resolves once every leaf write started has ended; throws the first that failed. */
  async settle (): Promise<void> {
    while (this.#writing.size > 0) await Promise.all(this.#writing)
    this.#failed()
  }

  #failed (): void {
    if (this.#failure != null) throw this.#failure.err
  }
}
