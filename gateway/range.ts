import { randomBytes } from 'node:crypto'
import type { Response } from 'express'

/** One byte range, both ends inclusive, already clipped to the file. */
export interface ByteRange {
  start: number
  end: number
}

/** What a Range header asks of a file of known size. */
export type RangeRequest =
  /** No usable Range header (absent, malformed, another unit, too many parts): send everything. */
  | { kind: 'full' }
  /** Every range lies outside the file: 416. */
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges', ranges: ByteRange[] }

/** More parts than this and the header is ignored (a cheap defence against range floods). */
export const maxRanges = 64

/**
 * Parses a `Range: bytes=…` header (RFC 9110 §14.1.2) against a file of `size` bytes:
 * `a-b`, `a-` and suffix `-n` parts. Malformed headers are ignored, as the RFC asks;
 * parts past the end are dropped and ends are clipped; when no part is left, the range
 * is unsatisfiable. Against range amplification, a set asking for more bytes in total
 * than the file holds is answered with the whole file, and overlapping or adjacent parts
 * are coalesced (RFC 9110 §14.3), in ascending order, so no byte is sent twice.
 */
export function parseRange (header: string | undefined, size: number): RangeRequest {
  if (header == null) return { kind: 'full' }
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header)
  if (match == null) return { kind: 'full' }
  const parts = (match[1] ?? '').split(',').map(p => p.trim()).filter(p => p !== '')
  if (parts.length === 0 || parts.length > maxRanges) return { kind: 'full' }
  const ranges: ByteRange[] = []
  for (const part of parts) {
    const m = /^(\d*)\s*-\s*(\d*)$/.exec(part)
    if (m == null) return { kind: 'full' }
    const [, first = '', last = ''] = m
    if (first === '' && last === '') return { kind: 'full' }
    if (first === '') {
      const suffix = Number(last)
      if (suffix === 0 || size === 0) continue
      ranges.push({ start: Math.max(0, size - suffix), end: size - 1 })
      continue
    }
    const start = Number(first)
    if (last !== '' && Number(last) < start) return { kind: 'full' }
    if (start >= size) continue
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
    ranges.push({ start, end })
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' }
  if (ranges.reduce((total, r) => total + r.end - r.start + 1, 0) > size) return { kind: 'full' }
  return { kind: 'ranges', ranges: coalesce(ranges) }
}

/** Sorts ranges and merges those that overlap or touch. */
function coalesce (ranges: ByteRange[]): ByteRange[] {
  const merged: ByteRange[] = []
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1]
    if (last != null && range.start <= last.end + 1) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}

/**
 * Answers 416 for a Range that misses a body of `size` bytes (`file` or `body` in the
 * short plain-text reason, which HEAD leaves out): `Content-Range` with `*` for the
 * range and the size, no caching.
 */
export function sendRangeNotSatisfiable (res: Response, size: number, head: boolean, what: 'file' | 'body'): void {
  res.status(416)
  res.setHeader('Content-Range', `bytes */${size}`)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.removeHeader('Cache-Control')
  res.end(head ? undefined : `416 range not satisfiable: the ${what} has ${size} bytes\n`)
}

/** The `Content-Range` value of one part. */
export function contentRange (range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}

/** The layout of a multipart/byteranges body: part headers and the exact total length. */
export interface MultipartLayout {
  boundary: string
  contentType: string
  /** The header block before each range's bytes. */
  heads: string[]
  /** The closing delimiter. */
  tail: string
  length: number
}

/** Lays out a multipart/byteranges response (RFC 9110 §14.6) for several ranges. */
export function multipartLayout (ranges: ByteRange[], size: number, partType: string): MultipartLayout {
  const boundary = randomBytes(12).toString('hex')
  const heads = ranges.map((r, i) =>
    `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(r, size)}\r\n\r\n`)
  const tail = `\r\n--${boundary}--\r\n`
  let length = Buffer.byteLength(tail)
  for (const [i, r] of ranges.entries()) length += Buffer.byteLength(heads[i] ?? '') + (r.end - r.start + 1)
  return { boundary, contentType: `multipart/byteranges; boundary=${boundary}`, heads, tail, length }
}
