import { setMaxListeners } from 'node:events'
import { TimeoutError } from '../node/errors.js'
import type { Response } from 'express'

/** The abort signal of one gateway request, and its stall timer. */
export interface RequestSignal {
  signal: AbortSignal
  /** Call when data arrives: the retrieval timeout counts from the last progress. */
  progress(): void
  /** Stops the timer (the response is done). */
  done(): void
}

/**
 * A signal that aborts when the client goes away (the response closes before it
 * finished) or when retrieval makes no progress for `timeoutMs` (reason: a
 * {@link TimeoutError}, which the gateway answers with 504). As in boxo, the timeout is
 * a stall timer: a slow but moving download is not cut.
 */
export function requestSignal (res: Response, timeoutMs: number): RequestSignal {
  const controller = new AbortController()
  // the exporter adds an abort listener for every block it loads in parallel
  setMaxListeners(Infinity, controller.signal)
  const timer = setTimeout(() => {
    controller.abort(new TimeoutError(`no data retrieved for ${Math.round(timeoutMs / 1000)}s (Gateway.RetrievalTimeout)`))
  }, timeoutMs)
  timer.unref()
  res.once('close', () => {
    clearTimeout(timer)
    if (!res.writableFinished) controller.abort(new Error('client disconnected'))
  })
  return {
    signal: controller.signal,
    progress () { timer.refresh() },
    done () { clearTimeout(timer) }
  }
}
