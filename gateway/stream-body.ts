import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Response } from 'express'
import type { RequestSignal } from './request-signal.js'

/**
 * Streams `source` into the response with backpressure, marking progress on every chunk.
 * An error after the headers went out cuts the connection (the client sees a short
 * body, never a 200 that looks complete).
 */
export async function streamBody (res: Response, source: AsyncIterable<Uint8Array | string>, signal: RequestSignal): Promise<void> {
  async function * counted (): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source) {
      signal.progress()
      yield chunk
    }
  }
  try {
    await pipeline(Readable.from(counted(), { objectMode: false, highWaterMark: 1 << 20 }), res)
  } catch (err) {
    if (!res.headersSent) throw err
    res.destroy()
  } finally {
    signal.done()
  }
}
