import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'

/** One rule of a compact denylist (IPIP-383), in the order it appears. */
export type DenyRule =
  /** `/ipfs/CID`: the multihash itself. */
  | { kind: 'cid', multihash: string, allow: boolean, status: number, order: number }
  /** `/ipfs/CID/PATH`: exactly this path under the multihash. */
  | { kind: 'path', multihash: string, path: string, allow: boolean, status: number, order: number }
  /** `/ipfs/CID/PATH*` (and `/ipfs/CID/PATH/*`): every path starting with the prefix; `''` is the CID and all below it. */
  | { kind: 'prefix', multihash: string, prefix: string, allow: boolean, status: number, order: number }
  /** `//HASH`: a double-hashed CID or path, modern (base58btc sha2-256 multihash) or legacy (sha256 hex). */
  | { kind: 'double-hash', hash: string, legacy: boolean, allow: boolean, status: number, order: number }

/** A parsed `.deny` file. */
export interface ParsedDenylist {
  rules: DenyRule[]
  /** Lines that could not be understood (kept for logging; the rest of the list still applies). */
  errors: Array<{ line: number, message: string }>
}

/** The gateway status when no hint says otherwise (410 Gone, as in Kubo). */
export const defaultBlockedStatus = 410
const maxHeaderBytes = 1024 * 1024
const maxLineBytes = 2 * 1024 * 1024
const sha256Code = 0x12

/**
 * Parses the compact denylist format of IPIP-383: an optional YAML header ended by
 * `---` (only `version` and `hints` matter here), then one rule per line with optional
 * `key:value` hints; `#` comments; `!` negates a rule. The `gateway_status` hint (from
 * the header or the line) sets the HTTP status, e.g. 451. `/ipns/…` rules are accepted
 * but never match (Cairn does not serve IPNS names on the gateway).
 *
 * `orderBase` lets several files share one ordering: a later file's rules win.
 */
export function parseDenylist (text: string, orderBase = 0): ParsedDenylist {
  const errors: ParsedDenylist['errors'] = []
  let lines = text.split('\n')
  let firstLine = 0
  let globalHints: Record<string, string> = {}
  const headerEnd = findHeaderEnd(lines)
  if (headerEnd >= 0) {
    const header = parseHeader(lines.slice(0, headerEnd))
    if (header.version != null && header.version !== '1') {
      return { rules: [], errors: [{ line: 1, message: `unsupported denylist version ${header.version}` }] }
    }
    globalHints = header.hints
    firstLine = headerEnd + 1
  }
  const rules: DenyRule[] = []
  lines = lines.map(l => l.replace(/\r$/, ''))
  for (let i = firstLine; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line === '' || line.startsWith('#')) continue
    if (Buffer.byteLength(line) > maxLineBytes) {
      errors.push({ line: i + 1, message: 'line longer than 2 MiB' })
      continue
    }
    const [item = '', ...hintWords] = line.split(/\s+/)
    const hints = { ...globalHints, ...parseHints(hintWords) }
    const status = statusFromHints(hints)
    try {
      const rule = parseItem(item, status, orderBase + i)
      if (rule != null) rules.push(rule)
    } catch (err) {
      errors.push({ line: i + 1, message: (err as Error).message })
    }
  }
  return { rules, errors }
}

function findHeaderEnd (lines: string[]): number {
  let bytes = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    bytes += Buffer.byteLength(line) + 1
    if (bytes > maxHeaderBytes) return -1
    if (line.replace(/\r$/, '') === '---') return i
  }
  return -1
}

/** The tiny YAML subset a denylist header uses: `key: value` and a `hints:` map. */
function parseHeader (lines: string[]): { version?: string, hints: Record<string, string> } {
  const hints: Record<string, string> = {}
  let version: string | undefined
  let inHints = false
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    const indented = /^\s/.test(line)
    const match = /^\s*([^:#]+?)\s*:\s*(.*?)\s*$/.exec(line)
    if (match == null) continue
    const key = match[1] ?? ''
    const value = unquote(match[2] ?? '')
    if (!indented) {
      inHints = key === 'hints'
      if (key === 'version') version = value
    } else if (inHints) {
      hints[key] = value
    }
  }
  return version != null ? { version, hints } : { hints }
}

function unquote (value: string): string {
  const m = /^(['"])(.*)\1$/.exec(value)
  return m != null ? (m[2] ?? '') : value
}

function parseHints (words: string[]): Record<string, string> {
  const hints: Record<string, string> = {}
  for (const word of words) {
    const at = word.indexOf(':')
    if (at > 0) hints[word.slice(0, at)] = word.slice(at + 1)
  }
  return hints
}

function statusFromHints (hints: Record<string, string>): number {
  const status = Number(hints.gateway_status)
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : defaultBlockedStatus
}

function parseItem (item: string, status: number, order: number): DenyRule | undefined {
  const allow = item.startsWith('!')
  const body = allow ? item.slice(1) : item
  if (body.startsWith('//')) {
    const hash = body.slice(2)
    if (/^[0-9a-fA-F]{64}$/.test(hash)) {
      return { kind: 'double-hash', hash: hash.toLowerCase(), legacy: true, allow, status, order }
    }
    const digest = decodeMultihash(hash)
    if (digest.code !== sha256Code) {
      throw new Error(`double-hash rule uses hash function 0x${digest.code.toString(16)}; only sha2-256 is supported`)
    }
    return { kind: 'double-hash', hash, legacy: false, allow, status, order }
  }
  if (body.startsWith('/ipns/')) return undefined
  if (!body.startsWith('/ipfs/')) throw new Error(`unknown rule "${item}"`)
  const rest = body.slice('/ipfs/'.length)
  const slash = rest.indexOf('/')
  const cidText = slash < 0 ? rest : rest.slice(0, slash)
  const multihash = multihashKey(CID.parse(cidText))
  if (slash < 0) {
    if (cidText.endsWith('*')) throw new Error(`rule "${item}": a wildcard needs a path`)
    return { kind: 'cid', multihash, allow, status, order }
  }
  let path = decodeRulePath(rest.slice(slash + 1))
  if (path.endsWith('*')) {
    path = path.slice(0, -1)
    if (path.endsWith('/')) path = path.slice(0, -1)
    return { kind: 'prefix', multihash, prefix: path, allow, status, order }
  }
  if (path.endsWith('/')) path = path.slice(0, -1)
  if (path === '') return { kind: 'cid', multihash, allow, status, order }
  return { kind: 'path', multihash, path, allow, status, order }
}

function decodeRulePath (path: string): string {
  return path.split('/').map(s => decodeURIComponent(s)).join('/')
}

function decodeMultihash (text: string): Digest.Digest<number, number> {
  try {
    return Digest.decode(base58btc.baseDecode(text))
  } catch {
    throw new Error(`"//${text}" is neither a base58btc multihash nor a sha256 hex digest`)
  }
}

/** The base58btc multihash of a CID: how rules key CIDs (codec and version do not matter). */
export function multihashKey (cid: CID): string {
  return base58btc.baseEncode(cid.multihash.bytes)
}
