import { pipeline } from 'node:stream/promises'
import type { Response } from 'express'
import type { ContentRequest } from './content-request.js'
import type { RequestSignal } from './request-signal.js'

/**
 * Streams `source` into the response with backpressure, marking progress on every chunk.
 * The first chunk is read before anything is sent, so a failure to start (a missing
 * block, a timeout) still becomes a proper error status; a failure later cuts the
 * connection (the client sees a short body, never a 200 that looks complete).
 */
export async function streamBody (res: Response, source: AsyncIterable<Uint8Array | string>, signal: RequestSignal): Promise<void> {
  const iterator = source[Symbol.asyncIterator]()
  let first: IteratorResult<Uint8Array | string>
  try {
    first = await iterator.next()
  } catch (err) {
    signal.done()
    throw err
  }
  signal.progress()
  async function * rest (): AsyncGenerator<Uint8Array | string> {
    if (first.done === true) return
    const value = first.value
    // not kept for the whole stream by this closure
    first = { done: true, value: undefined }
    yield value
    while (true) {
      let next: IteratorResult<Uint8Array | string>
      try {
        next = await iterator.next()
      } catch (err) {
        // the headers and first bytes may still sit in the socket, corked until the next
        // tick: let them out before pipeline cuts the connection, so the client gets a
        // short body and not no answer at all
        await new Promise(resolve => setImmediate(resolve))
        throw err
      }
      if (next.done === true) return
      signal.progress()
      yield next.value
    }
  }
  try {
    await pipeline(rest, res)
  } catch {
    res.destroy()
  } finally {
    signal.done()
    await iterator.return?.()
  }
}

/**
 * Sends the body of a content response whose status and headers are set: nothing for
 * HEAD (the source is never read), else `source` through {@link streamBody}.
 */
export async function sendBody (res: Response, ctx: Pick<ContentRequest, 'head' | 'signal'>, source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>): Promise<void> {
  if (ctx.head) {
    ctx.signal.done()
    res.end()
    return
  }
  await streamBody(res, toAsync(source), ctx.signal)
}

async function * toAsync<T> (source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield * source
}
