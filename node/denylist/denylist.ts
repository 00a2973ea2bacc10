import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { BlockedContentError } from '../errors.js'
import { multihashKey, parseDenylist, type DenyRule } from './parse.js'
import type { CID } from 'multiformats/cid'

/** Why a CID or path is blocked: the HTTP status the list asks for, and where the rule is. */
export interface BlockVerdict {
  status: number
  file: string
  rule: DenyRule
}

/** Options for {@link Denylist}. */
export interface DenylistOptions {
  /** How often, at most, the folder is checked for changed files (ms). Default 1000. */
  recheckMs?: number
  /** Receives lines that could not be parsed. */
  onError?: (file: string, line: number, message: string) => void
}

interface Indexed {
  byMultihash: Map<string, Array<{ file: string, rule: DenyRule }>>
  doubleHashes: Map<string, { file: string, rule: DenyRule }>
}

/**
 * The `*.deny` files of one folder (IPIP-383 compact format), applied in alphabetical
 * order so that later files win. Files are re-read when any of them changes (checked
 * by size and mtime at most once per `recheckMs`), so appending a rule takes effect
 * without a restart.
 *
 * CID rules (`/ipfs/CID`, `//hash` of a CID) block the block itself, and therefore
 * every path through it, as Kubo does at its BlockService. Path rules block the exact
 * path, prefix rules every path that starts with the prefix; `!` rules make exceptions
 * and the last matching rule wins.
 */
export class Denylist {
  readonly dir: string
  private readonly recheckMs: number
  private readonly onError: DenylistOptions['onError']
  private signature = ''
  private index: Indexed = { byMultihash: new Map(), doubleHashes: new Map() }
  private checkedAt = 0
  private refreshing: Promise<void> | undefined

  constructor (dir: string, options: DenylistOptions = {}) {
    this.dir = dir
    this.recheckMs = options.recheckMs ?? 1000
    this.onError = options.onError
  }

  /**
   * The verdict for `cid` with `path` (decoded segments below it), or undefined when it
   * may be served. Re-reads changed lists first.
   */
  async check (cid: CID, path: readonly string[] = []): Promise<BlockVerdict | undefined> {
    await this.refresh()
    return this.match(cid, path)
  }

  /** True when `cid` (or the path below it) must not be served, fetched or provided. */
  async isBlocked (cid: CID, path: readonly string[] = []): Promise<boolean> {
    return (await this.check(cid, path)) != null
  }

  /**
   * The answer of {@link isBlocked} without waiting when the lists were read within
   * `recheckMs`; undefined when they are due a re-read (then call {@link isBlocked}).
   * For hot paths such as bitswap serving peers.
   */
  isBlockedNow (cid: CID, path: readonly string[] = []): boolean | undefined {
    if (Date.now() - this.checkedAt >= this.recheckMs) return undefined
    return this.match(cid, path) != null
  }

  /**
   * Throws a {@link BlockedContentError} (its `status` 410, or what the list asks for)
   * when `cid`/`path` is blocked: what fetch, provide and serve paths call.
   */
  async assertAllowed (cid: CID, path: readonly string[] = []): Promise<void> {
    const verdict = await this.check(cid, path)
    if (verdict == null) return
    const err = new BlockedContentError(`${['/ipfs', cid.toString(), ...path].join('/')} is blocked by a denylist`)
    err.status = verdict.status
    throw err
  }

  /** Re-reads the lists if a file was added, removed or changed since the last look. */
  async refresh (force = false): Promise<void> {
    if (!force && Date.now() - this.checkedAt < this.recheckMs) return
    this.refreshing ??= this.reload().finally(() => {
      this.checkedAt = Date.now()
      this.refreshing = undefined
    })
    await this.refreshing
  }

  private async reload (): Promise<void> {
    let names: string[]
    try {
      names = (await readdir(this.dir)).filter(n => n.endsWith('.deny')).sort()
    } catch {
      names = []
    }
    const stats = await Promise.all(names.map(async n => {
      try {
        const s = await stat(join(this.dir, n))
        return `${n}:${s.size}:${s.mtimeMs}`
      } catch {
        return `${n}:gone`
      }
    }))
    const signature = stats.join('|')
    if (signature === this.signature) return
    const index: Indexed = { byMultihash: new Map(), doubleHashes: new Map() }
    for (const [fileIndex, name] of names.entries()) {
      let text: string
      try {
        text = await readFile(join(this.dir, name), 'utf8')
      } catch {
        continue
      }
      const parsed = parseDenylist(text, fileIndex * 2 ** 32)
      for (const e of parsed.errors) this.onError?.(name, e.line, e.message)
      for (const rule of parsed.rules) {
        if (rule.kind === 'double-hash') {
          index.doubleHashes.set(rule.hash, { file: name, rule })
        } else {
          const list = index.byMultihash.get(rule.multihash) ?? []
          list.push({ file: name, rule })
          index.byMultihash.set(rule.multihash, list)
        }
      }
    }
    this.index = index
    this.signature = signature
  }

  private match (cid: CID, segments: readonly string[]): BlockVerdict | undefined {
    // most nodes have no list: skip the base58 key (a few µs on every gateway request)
    if (this.index.byMultihash.size === 0 && this.index.doubleHashes.size === 0) return undefined
    const key = multihashKey(cid)
    const path = segments.join('/')
    let best: { file: string, rule: DenyRule } | undefined
    const consider = (hit: { file: string, rule: DenyRule } | undefined): void => {
      if (hit != null && (best == null || hit.rule.order > best.rule.order)) best = hit
    }
    for (const hit of this.index.byMultihash.get(key) ?? []) {
      const { rule } = hit
      if (rule.kind === 'cid' ||
        (rule.kind === 'path' && rule.path === path) ||
        (rule.kind === 'prefix' && path.startsWith(rule.prefix))) {
        consider(hit)
      }
    }
    if (this.index.doubleHashes.size > 0) {
      const v1 = cid.toV1().toString(base32)
      const candidates = [modernHash(key), legacyHash(`${v1}/`)]
      if (path !== '') candidates.push(modernHash(`${key}/${path}`), legacyHash(`${v1}/${path}`))
      for (const hash of candidates) consider(this.index.doubleHashes.get(hash))
    }
    if (best == null || best.rule.allow) return undefined
    return { status: best.rule.status, file: best.file, rule: best.rule }
  }
}

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** base58btc(sha2-256 multihash of text): the modern double-hash. */
function modernHash (text: string): string {
  return base58btc.baseEncode(Buffer.concat([Buffer.from([0x12, 0x20]), sha256(text)]))
}

/** hex(sha256(text)): the legacy badbits anchor. */
function legacyHash (text: string): string {
  return sha256(text).toString('hex')
}

/**
 * The denylist of a repo's `denylists` folder, reporting bad lines as process warnings:
 * one per node (its `denylist` component), shared by the gateway, fetch and provide.
 */
export function openDenylist (dir: string): Denylist {
  return new Denylist(dir, {
    onError: (file, line, message) => { process.emitWarning(`denylist ${file}:${line}: ${message}`) }
  })
}
