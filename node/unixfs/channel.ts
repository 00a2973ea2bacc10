/**
 * A one-reader queue that turns pushes from callbacks and side tasks into an async
 * iterable. Used to interleave progress values with import results.
 */
export class Channel<T> {
  private readonly values: T[] = []
  private wake: (() => void) | undefined
  private ended = false
  private failure: { error: unknown } | undefined

  /** Adds a value for the reader. Ignored after {@link end}. */
  push (value: T): void {
    if (this.ended) return
    this.values.push(value)
    this.notify()
  }

  /** Ends the stream, with an error for the reader when given. */
  end (error?: unknown): void {
    if (this.ended) return
    this.ended = true
    if (error !== undefined) this.failure = { error }
    this.notify()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<T, void, undefined> {
    while (true) {
      const value = this.values.shift()
      if (value !== undefined) {
        yield value
        continue
      }
      if (this.ended) {
        if (this.failure != null) throw this.failure.error
        return
      }
      await new Promise<void>(resolve => { this.wake = resolve })
    }
  }
}
