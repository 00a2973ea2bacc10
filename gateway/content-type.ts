import { isUtf8 } from 'node:buffer'
import { extname } from 'node:path'
import { fileTypeFromBuffer } from 'file-type'
import { LRUCache } from 'lru-cache'
import mime from 'mime-types'
import { scanJson } from './json-sniff.js'

/** How many leading bytes {@link sniffContentType} wants (file-type's sample size). */
export const sniffBytes = 4100

const utf8 = new TextDecoder('utf-8')

/** The leading bytes of a file that {@link sniffContentType} may look at. */
export interface SniffSample {
  /** The first bytes of the file (up to {@link sniffBytes}). */
  head: Uint8Array
  /** True when `head` is the whole file, false when the file goes on after it. */
  whole: boolean
}

/**
 * Types sniffed lately from a sample, by what identifies its bytes: file-type's detectors
 * over a 4 KiB sample were 7 % of a small-file request's CPU, and the bytes of a CID never change.
 */
const sniffed = new LRUCache<string, string>({ max: 4096 })

/**
 * The Content-Type of a file, as boxo decides it: by the name's extension when it has a
 * known one, else by magic bytes (file-type), else HTML/SVG/XML by their first tag, JSON
 * objects and arrays as `application/json` (as boxo's mimetype library does), else
 * `text/plain; charset=utf-8` for text and `application/octet-stream` for the rest.
 * Without a sample (a Range response that does not cover the file's start) only the name
 * decides, and an unknown one is `application/octet-stream`. `contentId` names the
 * sample's bytes (the file's CID): the type sniffed from them is remembered.
 */
export async function sniffContentType (name: string | undefined, sample: SniffSample | undefined, contentId?: string): Promise<string> {
  if (name != null && extname(name) !== '') {
    const byName = mime.contentType(extname(name))
    if (byName !== false) return byName
  }
  if (sample == null) return 'application/octet-stream'
  if (contentId == null) return await sniffBytesType(sample)
  // the same file's sample is the same bytes when it is as long and as whole
  const key = `${contentId} ${sample.head.byteLength} ${String(sample.whole)}`
  const known = sniffed.get(key)
  if (known != null) return known
  const type = await sniffBytesType(sample)
  sniffed.set(key, type)
  return type
}

/** The type of a sample's bytes alone (see {@link sniffContentType}). */
async function sniffBytesType (sample: SniffSample): Promise<string> {
  const { head } = sample
  if (head.byteLength === 0) return 'text/plain; charset=utf-8'
  const magic = await fileTypeFromBuffer(head)
  if (magic != null) return magic.mime
  const text = decodeText(head)
  if (text == null) return 'application/octet-stream'
  const start = text.trimStart().slice(0, 256).toLowerCase()
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<head') || start.startsWith('<body')) {
    return 'text/html; charset=utf-8'
  }
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) return 'image/svg+xml'
  if (start.startsWith('<?xml')) return 'text/xml; charset=utf-8'
  // a sample cut inside a UTF-8 character decodes shorter: then it is not the whole file
  if (looksLikeJson(text, sample.whole && Buffer.byteLength(text) === head.byteLength)) return 'application/json'
  return 'text/plain; charset=utf-8'
}

/**
 * True for a JSON object or array (a lone string, number or literal is text, as in
 * boxo): the whole value when `whole`, else a valid start of one.
 */
function looksLikeJson (text: string, whole: boolean): boolean {
  const first = text.trimStart()[0]
  if (first !== '{' && first !== '[') return false
  const scan = scanJson(text)
  return scan === 'complete' || (!whole && scan === 'prefix')
}

/** The sample as text, or undefined when it is binary (control bytes or invalid UTF-8). */
function decodeText (head: Uint8Array): string | undefined {
  // checked on the bytes, without decoding or throwing: most binary samples stop at once
  for (const byte of head) {
    if (byte <= 0x08 || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f) || byte === 0x0b) return undefined
  }
  // the sample may end inside a multi-byte character: allow up to 3 trailing bytes
  for (let cut = 0; cut <= 3 && cut < head.byteLength; cut++) {
    const text = head.subarray(0, head.byteLength - cut)
    if (isUtf8(text)) return utf8.decode(text)
  }
  return undefined
}
