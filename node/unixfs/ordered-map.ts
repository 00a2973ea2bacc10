/**
 * Maps an async iterable with up to `concurrency` calls in flight, yielding results in
 * source order. Memory is bounded by the concurrency, not by the source.
 */
export async function * orderedMap<T, R> (source: AsyncIterable<T>, concurrency: number, fn: (item: T) => Promise<R>): AsyncGenerator<R, void, undefined> {
  const inFlight: Array<Promise<R>> = []
  for await (const item of source) {
    const promise = fn(item)
    // a failure is reported when its turn comes, not as an unhandled rejection
    promise.catch(() => {})
    inFlight.push(promise)
    if (inFlight.length >= concurrency) yield await (inFlight.shift() as Promise<R>)
  }
  while (inFlight.length > 0) yield await (inFlight.shift() as Promise<R>)
}
