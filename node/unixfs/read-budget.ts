/**
 * One node's budget for file blocks read ahead of their reader, shared by every read in
 * flight (gateway downloads, RPC and CLI `cat`, `get`), so that many concurrent reads
 * cannot each hold a full read-ahead window (`Datastore.ReadAheadBudget`). A reader
 * always gets the block it is waiting for (nothing starves); only reading ahead of it
 * takes from the budget, and a block read ahead gives its bytes back when the reader
 * takes it (or stops).
 */
export class ReadBudget {
  readonly capacity: number
  #used = 0

  constructor (capacity: number) {
    this.capacity = capacity
  }

  /** Bytes taken now. */
  get used (): number {
    return this.#used
  }

  /** Takes `bytes` if they fit in what is left; false (nothing taken) when they do not. */
  tryTake (bytes: number): boolean {
    if (this.#used + bytes > this.capacity) return false
    this.#used += bytes
    return true
  }

  /** Gives back bytes taken with {@link tryTake}. */
  release (bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }
}
