/**
 * One node's budget for the whole file blocks that reads hold (gateway downloads, RPC
 * and CLI `cat`, `get`): the blocks read ahead of their readers and the one each reader
 * is handing on, shared by every read in flight, so that many concurrent reads cannot
 * each hold a full read-ahead window (`Datastore.ReadAheadBudget`). A reader always gets
 * the block it is waiting for (nothing starves): when the budget has no room, a raw leaf
 * is read from disk in pieces instead, and any other block whole outside the budget.
 */
export class ReadBudget {
  readonly capacity: number
  /**
   * Whole blocks counted against the budget are handed on as views of themselves, not
   * copied: for a process with one reader (a CLI command on its own repo), where copies
   * only cost time (`cat` of 256 MiB: 0.65 → 0.54 s). A daemon copies.
   */
  readonly views: boolean
  #used = 0

  constructor (capacity: number, options: { views?: boolean } = {}) {
    this.capacity = capacity
    this.views = options.views === true
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
