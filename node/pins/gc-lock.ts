import type { CairnNode } from '../node.js'

/**
 * The GC lock of a node, as Kubo's: work that writes blocks and then pins them (add,
 * `dag import`, `pin add`) holds it shared from its first block write until its pin is
 * in place; GC holds it exclusively. So GC, run by a daemon next to such work, never
 * deletes blocks that are about to be pinned. (Across processes the repo lock does this.)
 */
export interface GcLock {
  /** Waits for no GC to be running, then holds the lock shared; call the result to release. */
  shared(): Promise<() => void>
  /** Waits for every shared holder and any GC to finish, then holds the lock alone. */
  exclusive(): Promise<() => void>
  /** Who holds and who waits for the lock now (for status and for tests that wait on it). */
  state(): GcLockState
}

/** A snapshot of a {@link GcLock}. */
export interface GcLockState {
  /** Holders of the shared lock (imports, adds, pins under way). */
  shared: number
  /** True while a GC holds the lock. */
  exclusive: boolean
  /** Callers waiting for the lock, shared or exclusive. */
  waiting: number
}

/** Creates the GC lock of one open repo (a node's `gcLock` component). */
export function createGcLock (): GcLock {
  return new ReadWriteLock()
}

class ReadWriteLock implements GcLock {
  #readers = 0
  #writing = false
  #waiting: Array<() => void> = []

  async shared (): Promise<() => void> {
    while (this.#writing) await this.#wait()
    this.#readers++
    return this.#releaser(() => { this.#readers-- })
  }

  async exclusive (): Promise<() => void> {
    while (this.#writing || this.#readers > 0) await this.#wait()
    this.#writing = true
    return this.#releaser(() => { this.#writing = false })
  }

  state (): GcLockState {
    return { shared: this.#readers, exclusive: this.#writing, waiting: this.#waiting.length }
  }

  async #wait (): Promise<void> {
    await new Promise<void>(resolve => this.#waiting.push(resolve))
  }

  #releaser (release: () => void): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      release()
      const waiting = this.#waiting
      this.#waiting = []
      for (const wake of waiting) wake()
    }
  }
}

/** Runs `fn` holding the node's GC lock shared: a GC waits until it is done. */
export async function withoutGc<T> (node: CairnNode, fn: () => Promise<T>): Promise<T> {
  const release = await node.gcLock.shared()
  try {
    return await fn()
  } finally {
    release()
  }
}
