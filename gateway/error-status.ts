import { isCairnError, isErrorCode, type ErrorCode } from '../node/errors.js'
import type { Response } from 'express'

/**
 * The one table from Cairn error codes to HTTP statuses on the gateway. Codes not
 * listed here (and errors that are not Cairn's) are 500 with a generic message.
 */
export const errorStatus: Readonly<Partial<Record<ErrorCode, number>>> = {
  ERR_INVALID_CID: 400,
  ERR_INVALID_PATH: 400,
  ERR_UNSAFE_PATH: 400,
  ERR_USAGE: 400,
  ERR_INVALID_CAR: 400,
  ERR_IS_DIRECTORY: 400,
  ERR_INVALID_NAME: 400,
  ERR_INVALID_RECORD: 400,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_NOT_DIRECTORY: 404,
  ERR_NOT_ACCEPTABLE: 406,
  ERR_NOT_UNIXFS: 406,
  ERR_BLOCKED: 410,
  ERR_NOT_CACHED: 412,
  ERR_BLOCK_NOT_LOCAL: 502,
  ERR_NO_PROVIDERS: 502,
  ERR_CORRUPT_BLOCK: 502,
  ERR_INVALID_DAG: 502,
  ERR_BLOCK_TOO_BIG: 502,
  ERR_NAME_LOOP: 502,
  ERR_REMOTE_PINNING: 502,
  ERR_TIMEOUT: 504,
  ERR_DISK_FULL: 507
}

/** Seconds a client should wait before retrying a 504 (sent as Retry-After). */
export const retryAfterSeconds = 30

/** The HTTP status for an error. An error may carry its own (`status`, e.g. a denylist's 451). */
export function statusFor (err: unknown): number {
  if (isCairnError(err)) {
    const own = (err as { status?: unknown }).status
    if (typeof own === 'number') return own
    return (isErrorCode(err.code) ? errorStatus[err.code] : undefined) ?? 500
  }
  return 500
}

/**
 * Answers an error with its status and a short plain-text reason, never a stack trace.
 * When the body has already started, the connection is cut instead (a truncated body
 * is the only honest signal left).
 */
export function sendError (res: Response, err: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const status = statusFor(err)
  const message = status === 500 ? 'internal server error' : oneLine((err as Error).message)
  for (const name of res.getHeaderNames()) {
    if (!name.startsWith('access-control-')) res.removeHeader(name)
  }
  if (status === 504) res.setHeader('Retry-After', String(retryAfterSeconds))
  res.status(status)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Cache-Control', 'no-cache')
  res.send(`${status} ${message}\n`)
}

function oneLine (text: string): string {
  return text.split('\n')[0]?.slice(0, 500) ?? ''
}
