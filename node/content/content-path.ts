import { LRUCache } from 'lru-cache'
import { CID } from 'multiformats/cid'
import { InvalidCidError, InvalidPathError } from '../errors.js'

/** A parsed content path: a root CID and the path segments below it. */
export interface ContentPath {
  root: CID
  /** Decoded segments below the root; never contains '', '.', or '..'. */
  segments: string[]
}

/**
 * CIDs parsed lately, by their text: a gateway parses the CID of every request, and
 * multibase decoding was 4 % of a small-file request's CPU. Made on the first parse: its
 * slots took 2.8 ms to make, at the start of every CLI command that parses none or one.
 */
let parsedCids: LRUCache<string, CID> | undefined

/** Parses a CID string, with a one-line error naming what was wrong. */
export function parseCid (text: string): CID {
  parsedCids ??= new LRUCache<string, CID>({ max: 4096 })
  const known = parsedCids.get(text)
  if (known != null) return known
  const cid = parseNewCid(text)
  parsedCids.set(text, cid)
  return cid
}

function parseNewCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch {
    try {
      // base36/base32 CIDs without a multibase prefix are not accepted by CID.parse alone
      return CID.decode(Buffer.from(text, 'hex'))
    } catch {
      throw new InvalidCidError(`invalid CID "${text}"`)
    }
  }
}

/**
 * Parses `<cid>[/path]`, `/ipfs/<cid>[/path]`, or `ipfs://<cid>[/path]`. Segments are
 * taken as they are (no percent-decoding: that is the gateway's job); empty segments from
 * doubled or trailing slashes are dropped; `.` and `..` are refused.
 */
export function parseContentPath (text: string): ContentPath {
  let rest = text.trim()
  if (rest.startsWith('ipfs://')) rest = rest.slice('ipfs://'.length)
  else if (rest.startsWith('/ipfs/')) rest = rest.slice('/ipfs/'.length)
  else if (rest.startsWith('/')) throw new InvalidPathError(`invalid path "${text}": expected <cid>[/path] or /ipfs/<cid>[/path]`)
  const [first = '', ...segments] = rest.split('/')
  if (first === '') throw new InvalidPathError(`invalid path "${text}": no CID`)
  const root = parseCid(first)
  const kept = segments.filter(s => s !== '')
  for (const segment of kept) {
    if (segment === '.' || segment === '..') throw new InvalidPathError(`invalid path "${text}": "${segment}" is not allowed`)
    if (segment.includes('\0')) throw new InvalidPathError(`invalid path "${text}": NUL in a segment`)
  }
  return { root, segments: kept }
}

/** The canonical `/ipfs/<cid>/a/b` string of a content path. */
export function formatContentPath (path: ContentPath): string {
  return ['/ipfs', path.root.toString(), ...path.segments].join('/')
}
