import { once } from 'node:events'
import { errorMessage, rpcError } from './error-status.js'
import { isCairnError } from '../../node/errors.js'
import type { Response } from 'express'

/** Trailer with the message of an error that happened after the response started (Kubo's name). */
export const streamErrorTrailer = 'X-Stream-Error'
/** Trailer with the Cairn error code of that error, so Cairn's client can rebuild the typed error. */
export const streamErrorCodeTrailer = 'X-Stream-Error-Code'

/** Writes a Kubo JSON error (`{"Message","Code","Type":"error"}`) with its status (or `status`). */
export function sendError (res: Response, err: unknown, status?: number): void {
  const answer = rpcError(err)
  res.statusCode = status ?? answer.status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(answer.body) + '\n')
}

/**
 * Streams a command's output. The first chunk is awaited before anything is sent, so an
 * error that comes first (a bad CID, a missing path) is a proper error status with
 * Kubo's JSON body; an error after that can only travel in the `X-Stream-Error`
 * trailer, as in Kubo. Writes wait for the client to drain (backpressure) and stop when
 * `signal` aborts (the client went away).
 */
export async function streamResponse (
  res: Response,
  chunks: AsyncIterable<Uint8Array | string>,
  headers: Record<string, string>,
  signal: AbortSignal
): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]()
  let next: IteratorResult<Uint8Array | string>
  try {
    next = await iterator.next()
  } catch (err) {
    if (!res.headersSent && !res.destroyed) sendError(res, signal.aborted ? signal.reason : err)
    return
  }
  res.statusCode = 200
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.setHeader('Trailer', `${streamErrorTrailer}, ${streamErrorCodeTrailer}`)
  res.flushHeaders()
  try {
    while (next.done !== true) {
      if (!res.write(next.value)) await once(res, 'drain', { signal })
      next = await iterator.next()
    }
  } catch (err) {
    await iterator.return?.()?.catch(() => {})
    // the client is gone: nobody to tell
    if (res.destroyed) return
    const reason = signal.aborted ? signal.reason : err
    const trailers: Record<string, string> = { [streamErrorTrailer]: errorMessage(reason) }
    if (isCairnError(reason)) trailers[streamErrorCodeTrailer] = reason.code
    res.addTrailers(trailers)
  }
  if (!res.destroyed) res.end()
}

/** NDJSON lines of a values command, one JSON value per line. */
export async function * ndjsonChunks (values: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const value of values) {
    yield JSON.stringify(value) + '\n'
  }
}

/** Headers of a values (NDJSON) response, as Kubo sends them. */
export const valuesHeaders = {
  'Content-Type': 'application/json',
  'X-Stream-Output': '1',
  'X-Chunked-Output': '1'
}

/** Headers of a bytes response (cat, dag export), as Kubo sends them. */
export const bytesHeaders = {
  'Content-Type': 'text/plain',
  'X-Stream-Output': '1'
}

/** Headers of a tree response (get): a tar stream. */
export const treeHeaders = {
  'Content-Type': 'application/x-tar',
  'X-Stream-Output': '1'
}
