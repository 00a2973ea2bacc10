import type { Request, Response } from 'express'
import type { CID } from 'multiformats/cid'

/** Cache-Control for anything under /ipfs/: the bytes behind a CID never change. */
export const immutableCacheControl = 'public, max-age=29030400, immutable'

/** The strong Etag of a CID: `"<cid>"`. */
export function etagFor (cid: CID): string {
  return `"${cid.toString()}"`
}

/**
 * True when `If-None-Match` names `etag` (strong or weak form) or is `*`, so the client's
 * copy is current and a 304 answers.
 */
export function matchesIfNoneMatch (header: string | undefined, etag: string): boolean {
  if (header == null || header === '') return false
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some(item => {
    const tag = item.trim()
    return tag === '*' || tag.replace(/^W\//, '') === bare
  })
}

/** True, and a 304 sent, when the client's `If-None-Match` names `etag`: every handler's conditional GET. */
export function answeredNotModified (req: Request, res: Response, etag: string): boolean {
  if (!matchesIfNoneMatch(req.get('If-None-Match'), etag)) return false
  res.status(304).end()
  return true
}

/** The headers every /ipfs/ content response carries. */
export interface ContentHeaders {
  /** The requested content path, as `/ipfs/<cid>/<percent-encoded path>`. */
  ipfsPath: string
  /** CIDs from the root to the resolved entry, one per step (left out when not resolved). */
  roots?: readonly CID[]
  etag: string
  /** Cache-Control when not immutable (an `/ipns/` answer, from the record's TTL). */
  cacheControl?: string | undefined
}

/**
 * Sets Etag, Cache-Control, X-Ipfs-Path, X-Ipfs-Roots and `Vary: Accept`: every answer
 * for `/ipfs/` depends on Accept (a file, a raw block or a CAR by the same URL), so a
 * cache must key on it, default responses included.
 */
export function setContentHeaders (res: Response, headers: ContentHeaders): void {
  res.setHeader('Etag', headers.etag)
  res.setHeader('Cache-Control', headers.cacheControl ?? immutableCacheControl)
  res.setHeader('X-Ipfs-Path', headers.ipfsPath)
  if (headers.roots != null) res.setHeader('X-Ipfs-Roots', headers.roots.map(c => c.toString()).join(','))
  res.setHeader('Vary', 'Accept')
}

/**
 * A Content-Disposition value (RFC 6266): an ASCII `filename` (other characters
 * replaced by `_`) plus `filename*` in RFC 5987 UTF-8 encoding, so that every browser
 * gets the real name.
 */
export function contentDisposition (type: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '\\$&')
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(filename)}`
}

function encodeRfc5987 (text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Sets Content-Disposition from `?filename=` and `?download=true` (as boxo does:
 * `inline` with a name, `attachment` when downloading). `fallbackName` names a download
 * that has no `?filename=`. Returns the name the response goes by, for type sniffing.
 */
export function applyDisposition (res: Response, { filename, download }: { filename?: string, download: boolean }, fallbackName: string): string | undefined {
  if (filename != null) {
    res.setHeader('Content-Disposition', contentDisposition(download ? 'attachment' : 'inline', filename))
    return filename
  }
  if (download) {
    res.setHeader('Content-Disposition', contentDisposition('attachment', fallbackName))
  }
  return undefined
}

/** CORS for a public read-only gateway. */
export function setCorsHeaders (res: Response): void {
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Range, User-Agent, X-Requested-With, If-None-Match, Cache-Control')
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Content-Type, Content-Disposition, Etag, X-Ipfs-Path, X-Ipfs-Roots, X-Content-Type-Options')
}
