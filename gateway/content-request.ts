import { parseCid, type ContentPath } from '../node/content/content-path.js'
import { InvalidPathError } from '../node/errors.js'
import type { RequestSignal } from './request-signal.js'
import type { CairnNode } from '../node/node.js'
import type { Denylist } from '../node/denylist/index.js'
import type { CID } from 'multiformats/cid'

/** One `/ipfs/<cid>[/path]` request, parsed; what every content handler receives. */
export interface ContentRequest {
  node: CairnNode
  denylist: Denylist
  /** Root CID and percent-decoded segments below it. */
  path: ContentPath
  /** The CID as the client wrote it (kept in X-Ipfs-Path). */
  rootText: string
  /** The path below the CID, percent-encoded canonically, '' or `/a/b%20c`. */
  encodedRest: string
  /** True when the URL path ended in `/`. */
  trailingSlash: boolean
  /** The query string, parsed once for every handler. */
  query: URLSearchParams
  /** `?…` as received, or ''. */
  search: string
  /** `?filename=` when not empty: the name the response goes by. */
  filename?: string
  /** `?download=true`: served as an attachment. */
  download: boolean
  /** True on `<cid>.ipfs.<host>`: links are relative to the host root. */
  subdomain: boolean
  /** Only local blocks (node offline, `Cache-Control: only-if-cached` or `Gateway.NoFetch`). */
  offline: boolean
  /** The client sent `Cache-Control: only-if-cached`: content not held is a 412. */
  onlyIfCached: boolean
  head: boolean
  signal: RequestSignal
  /** Set for `/ipns/<name>` requests (gateway/ipns-route.ts): how the client named the content. */
  name?: NamedRequest
}

/** What an `/ipns/` request adds to a content request. */
export interface NamedRequest {
  /** `/ipns/<name>` plus the encoded path the URL asked for below it. */
  path: string
  /** The encoded path below the name in the URL, '' or `/a/b`. */
  rest: string
  /** From the record's TTL: these answers change when the name moves. */
  cacheControl: string
}

/** `X-Ipfs-Path`: `/ipfs/<cid as requested>/<encoded path>`, or `/ipns/<name>/…` as requested. */
export function ipfsPathOf (req: ContentRequest): string {
  return req.name?.path ?? `/ipfs/${req.rootText}${req.encodedRest}`
}

/** The query string of a request target (`/path?a=b`): `search` as received and the parsed parameters. */
export function splitQuery (target: string): { search: string, params: URLSearchParams } {
  const at = target.indexOf('?')
  const search = at < 0 ? '' : target.slice(at)
  return { search, params: new URLSearchParams(search) }
}

/** `?filename=` (when not empty) and `?download=true`, as every content handler reads them. */
export function dispositionQuery (query: URLSearchParams): { filename?: string, download: boolean } {
  const filename = query.get('filename')
  return { ...(filename != null && filename !== '' ? { filename } : {}), download: query.get('download') === 'true' }
}

/** Read options for node/content functions. */
export function readOptions (req: ContentRequest): { signal: AbortSignal, offline?: boolean } {
  return req.offline ? { signal: req.signal.signal, offline: true } : { signal: req.signal.signal }
}

/** A parsed `<cid>/<encoded path>` (the part of a URL path after `/ipfs/`). */
export interface ParsedUrlPath {
  root: CID
  rootText: string
  segments: string[]
  encodedRest: string
  trailingSlash: boolean
}

/**
 * Parses the still-encoded URL path after `/ipfs/`: the CID, then each segment
 * percent-decoded on its own (so `%2F` cannot smuggle a separator). `.`/`..` (in any
 * encoding), NUL, and bad escapes are refused with an {@link InvalidPathError}; empty
 * segments from doubled slashes are dropped.
 */
export function parseUrlPath (rest: string): ParsedUrlPath {
  const [rootText = '', ...rawSegments] = rest.split('/')
  if (rootText === '') throw new InvalidPathError('invalid path: no CID after /ipfs/')
  const root = parseCid(decodeSegment(rootText))
  const segments = parseUrlSegments(rawSegments)
  return {
    root,
    rootText,
    segments,
    encodedRest: segments.map(s => '/' + encodeSegment(s)).join(''),
    trailingSlash: rest.endsWith('/') && rawSegments.length > 0
  }
}

/** Decodes still-encoded URL path segments one by one, refusing `.`, `..`, encoded `/` and NUL. */
export function parseUrlSegments (rawSegments: string[]): string[] {
  const segments: string[] = []
  for (const raw of rawSegments) {
    if (raw === '') continue
    const segment = decodeSegment(raw)
    if (segment === '.' || segment === '..') throw new InvalidPathError(`invalid path: "${segment}" is not allowed`)
    if (segment.includes('/')) throw new InvalidPathError('invalid path: a segment holds an encoded "/"')
    if (segment.includes('\0')) throw new InvalidPathError('invalid path: NUL in a segment')
    segments.push(segment)
  }
  return segments
}

function decodeSegment (raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new InvalidPathError(`invalid path: bad percent-encoding in "${raw.slice(0, 100)}"`)
  }
}

/** Percent-encodes one path segment for a URL or header (RFC 3986 pchar kept as is). */
export function encodeSegment (segment: string): string {
  return encodeURIComponent(segment).replace(/%(21|24|26|27|28|29|2A|2B|2C|3A|3B|3D|40)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
