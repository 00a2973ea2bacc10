/** Reads at once up to which blocks are handed on as views ({@link ReadBudget.views}). */
const viewReaders = 4

/**
 * One node's budget for the whole file blocks that reads hold (gateway downloads, RPC
 * and CLI `cat`, `get`): the blocks read ahead of their readers and the one each reader
 * is handing on, shared by every read in flight, so that many concurrent reads cannot
 * each hold a full read-ahead window (`Datastore.ReadAheadBudget`). A reader always gets
 * the block it is waiting for (nothing starves): when the budget has no room (and always
 * among more than {@link viewReaders} reads), a raw leaf is read from disk in pieces
 * instead, and any other block whole outside the budget.
 */
export class ReadBudget {
  readonly capacity: number
  #used = 0
  #readers = 0

  constructor (capacity: number) {
    this.capacity = capacity
  }

  /**
   * Whether whole blocks counted against the budget are handed on as views of
   * themselves rather than copied: while at most {@link viewReaders} reads are under
   * way, where copies only cost time (a local `cat` of 256 MiB: 0.65 → 0.54 s) and the
   * views held cannot add up. Among more readers, raw leaves come from disk in pieces
   * and other blocks in copies: 200 gateway downloads peaked 66 MiB higher with views.
   */
  get views (): boolean {
    return this.#readers <= viewReaders
  }

  /** Counts a read in until the function it returns is called. */
  enter (): () => void {
    this.#readers++
    let left = false
    return () => {
      if (left) return
      left = true
      this.#readers--
    }
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
