import { fileBytes } from '../../node/unixfs/exported-entry.js'
import { sniffBytes, sniffContentType, type SniffSample } from '../content-type.js'
import { ipfsPathOf, readOptions, type ContentRequest } from '../content-request.js'
import { answeredNotModified, applyDisposition, etagFor, setContentHeaders } from '../headers.js'
import { contentRange, multipartLayout, parseRange, sendRangeNotSatisfiable, type ByteRange, type RangeRequest } from '../range.js'
import { sendBody } from '../stream-body.js'
import type { Request, Response } from 'express'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/** Entries that have bytes: UnixFS files, raw blocks, identity CIDs. */
export type ByteEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>

/**
 * Serves a file entry (as the path resolved it: not read again): sniffed Content-Type,
 * Etag, immutable caching, X-Ipfs-Path/Roots, `If-None-Match` → 304, `Range` (single → 206, several → multipart/byteranges,
 * unsatisfiable → 416) reading only the blocks a range covers, and `?filename=` /
 * `?download=true` as Content-Disposition.
 */
export async function serveUnixfsFile (req: Request, res: Response, ctx: ContentRequest, resolved: { entry: ByteEntry, roots: CID[], name?: string }): Promise<void> {
  const entry = resolved.entry
  const etag = etagFor(entry.cid)
  setContentHeaders(res, { ipfsPath: ipfsPathOf(ctx), roots: resolved.roots, etag, cacheControl: ctx.name?.cacheControl })
  res.setHeader('Accept-Ranges', 'bytes')
  if (answeredNotModified(req, res, etag)) return
  const size = Number(entry.size)
  const lastSegment = resolved.name ?? ctx.path.segments.at(-1)
  const named = applyDisposition(res, ctx, lastSegment ?? entry.cid.toString())
  const ifRange = req.get('If-Range')
  const range = ifRange == null || ifRange === etag ? parseRange(req.get('Range'), size) : { kind: 'full' as const }
  if (range.kind === 'unsatisfiable') {
    sendRangeNotSatisfiable(res, size, ctx.head, 'file')
    return
  }
  // a symlink is served as itself (its target as the body), as boxo does
  const symlink = entry.type === 'file' && entry.unixfs.type === 'symlink'
  const sample = symlink ? undefined : await sniffSample(ctx, entry, size, range)
  const contentType = symlink ? 'inode/symlink' : await sniffContentType(named ?? lastSegment, sample, entry.cid.toString())
  if (range.kind === 'full') {
    res.status(200)
    res.setHeader('Content-Type', contentType)
    res.setHeader('Content-Length', String(size))
    if (sample?.whole === true) {
      // a file no longer than the sample is in memory already: no second read, no stream
      ctx.signal.done()
      res.end(ctx.head ? undefined : sample.head)
      return
    }
    await sendBody(res, ctx, size === 0 ? [] : readBytes(ctx, entry, 0, size))
    return
  }
  res.status(206)
  if (range.ranges.length === 1) {
    const only = range.ranges[0] as ByteRange
    res.setHeader('Content-Type', contentType)
    res.setHeader('Content-Range', contentRange(only, size))
    res.setHeader('Content-Length', String(only.end - only.start + 1))
    await sendBody(res, ctx, readBytes(ctx, entry, only.start, only.end - only.start + 1))
    return
  }
  const layout = multipartLayout(range.ranges, size, contentType)
  res.setHeader('Content-Type', layout.contentType)
  res.setHeader('Content-Length', String(layout.length))
  await sendBody(res, ctx, multipartBody(ctx, entry, range.ranges, layout.heads, layout.tail))
}

/**
 * The leading bytes to sniff the type from: up to {@link sniffBytes} for a full
 * response. A Range response reads only what it sends (as boxo sniffs only when the
 * range starts at 0): the start of a range at 0, else nothing, so a range elsewhere
 * neither fetches the file's first blocks nor fails when they are missing.
 */
async function sniffSample (ctx: ContentRequest, entry: ByteEntry, size: number, range: RangeRequest): Promise<SniffSample | undefined> {
  let length = Math.min(size, sniffBytes)
  if (range.kind === 'ranges') {
    const fromStart = range.ranges.find(r => r.start === 0)
    if (fromStart == null) return undefined
    length = Math.min(length, fromStart.end + 1)
  }
  const head = length === 0 ? new Uint8Array(0) : await collect(readBytes(ctx, entry, 0, length))
  return { head, whole: length === size }
}

async function * multipartBody (ctx: ContentRequest, entry: ByteEntry, ranges: ByteRange[], heads: string[], tail: string): AsyncGenerator<Uint8Array | string> {
  for (const [i, r] of ranges.entries()) {
    yield heads[i] ?? ''
    yield * readBytes(ctx, entry, r.start, r.end - r.start + 1)
  }
  yield tail
}

/**
 * Streams `length` bytes from `offset` with backpressure (node/unixfs/file-bytes.ts): only
 * the blocks under the range are read, and what is read ahead of the client comes from
 * the node's shared read-ahead budget (`Datastore.ReadAheadBudget`), so memory stays flat
 * however many downloads run at once. (The exporter's `content()` pushes into a queue
 * without backpressure.)
 */
export async function * readBytes (ctx: ContentRequest, entry: ByteEntry, offset: number, length: number): AsyncGenerator<Uint8Array> {
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    // the exporter gives a symlink no content: its bytes are the target path
    yield (entry.unixfs.data ?? new Uint8Array(0)).subarray(offset, offset + length)
    return
  }
  // through Cairn's file reader: pull-based, each block's size checked against its parent's
  yield * fileBytes(ctx.node, entry, ctx.path, { ...readOptions(ctx), offset, length })
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}
