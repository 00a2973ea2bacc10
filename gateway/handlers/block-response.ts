import { ipfsPathOf, type ContentRequest } from '../content-request.js'
import { contentLocationFor, type ResponseFormat } from '../format.js'
import { setContentHeaders } from '../headers.js'
import { contentRange, parseRange, sendRangeNotSatisfiable } from '../range.js'
import type { Request, Response } from 'express'
import type { CID } from 'multiformats/cid'

/**
 * Headers shared by every negotiated (non-default) response: caching, the content
 * path, `Vary: Accept` (the same URL answers differently by Accept), `Content-Location`
 * when the format came from `Accept` alone, and `nosniff`.
 */
export function setNegotiatedHeaders (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat, headers: { etag: string, roots?: readonly CID[] }): void {
  setContentHeaders(res, { ipfsPath: ipfsPathOf(ctx), etag: headers.etag, cacheControl: ctx.name?.cacheControl, ...(headers.roots != null ? { roots: headers.roots } : {}) })
  res.setHeader('X-Content-Type-Options', 'nosniff')
  const location = contentLocationFor(req.originalUrl, ctx.query, format)
  if (location != null) res.setHeader('Content-Location', location)
}

/**
 * Sends an in-memory body (a block, or a block converted to another codec) with its
 * Content-Type and Content-Length, honouring a single `Range` (206, or 416 when
 * unsatisfiable) and HEAD. Several ranges are answered with the whole body.
 */
export function sendBlockBody (req: Request, res: Response, ctx: ContentRequest, contentType: string, body: Uint8Array): void {
  ctx.signal.done()
  res.setHeader('Accept-Ranges', 'bytes')
  const size = body.byteLength
  const range = parseRange(req.get('Range'), size)
  if (range.kind === 'unsatisfiable') {
    sendRangeNotSatisfiable(res, size, ctx.head, 'body')
    return
  }
  res.setHeader('Content-Type', contentType)
  if (range.kind === 'ranges' && range.ranges.length === 1 && range.ranges[0] != null) {
    const only = range.ranges[0]
    res.status(206)
    res.setHeader('Content-Range', contentRange(only, size))
    res.setHeader('Content-Length', String(only.end - only.start + 1))
    res.end(ctx.head ? undefined : Buffer.from(body.buffer, body.byteOffset + only.start, only.end - only.start + 1))
    return
  }
  res.status(200)
  res.setHeader('Content-Length', String(size))
  res.end(ctx.head ? undefined : Buffer.from(body.buffer, body.byteOffset, size))
}
