import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { walkPath } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { varint } from 'multiformats'
import { formatContentPath, type ContentPath } from '../content/content-path.js'
import { exporterOptions, translateReadError, type ReadOptions } from '../content/resolve.js'
import { NotFoundError } from '../errors.js'
import { readWholeBlock } from '../unixfs/whole-blocks.js'
import type { CairnNode } from '../node.js'

/** How much of the DAG below the end of the path goes into the CAR (IPIP-402 `dag-scope`). */
export type DagScope = 'all' | 'entity' | 'block'

/**
 * A byte range of a file entity (IPIP-402 `entity-bytes=from:to`). `from` and `to` are
 * inclusive offsets; negative values count from the end of the file; `to: '*'` is the
 * end of the file.
 */
export interface EntityBytes {
  from: number
  to: number | '*'
}

/** Options for {@link exportCar}. */
export interface CarExportOptions extends ReadOptions {
  /** Path segments below the root; the blocks that resolve them come first. Default none. */
  path?: string[]
  /** Default `all`: the whole DAG below the end of the path. */
  dagScope?: DagScope
  /** Only the blocks needed for this byte range of a file entity (implies `entity`). */
  entityBytes?: EntityBytes
  /**
   * Block order asked for. Cairn always writes depth-first, which is a valid answer
   * to `unk` too, so this does not change the output.
   */
  order?: 'dfs' | 'unk'
  /** True: a block is written every time the walk meets it. Default false (each block once). */
  dups?: boolean
  /** CIDs for the CAR header; default the root. */
  roots?: CID[]
  /**
   * Called before each block is read (path blocks included); throwing refuses it and
   * ends the stream (before the header for the path and its end, so a caller can still
   * answer with an error). The gateway passes its denylist check here.
   */
  refuse?: (cid: CID) => Promise<void> | void
}

const DAG_PB = dagPb.code
const DAG_CBOR = dagCbor.code
const DAG_JSON = dagJson.code
const IDENTITY_HASH = 0x00

/** True for CIDs whose multihash is the identity hash: the bytes are in the CID itself. */
export function isIdentityCid (cid: CID): boolean {
  return cid.multihash.code === IDENTITY_HASH
}

/**
 * True when the block is held locally. An identity CID always is: its bytes are in the
 * CID, and the blockstore, which never stores them, would say no.
 */
export async function hasBlock (node: CairnNode, cid: CID): Promise<boolean> {
  return isIdentityCid(cid) || await node.repo.blockstore.has(cid)
}

/** The bytes of one block (identity CIDs answered from the CID), with Cairn's typed errors. */
export async function readBlock (node: CairnNode, cid: CID, options: ReadOptions = {}): Promise<Uint8Array> {
  if (isIdentityCid(cid)) return cid.multihash.digest
  try {
    return await readWholeBlock(node.helia.blockstore, cid, exporterOptions(node, options))
  } catch (err) {
    throw translateReadError(err, { root: cid, segments: [] })
  }
}

/** The CIDs a block links to, in the order they appear in the block. */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case DAG_PB:
      return dagPb.decode(bytes).Links.map(link => link.Hash)
    case DAG_CBOR:
      return collectCids(dagCbor.decode(bytes))
    case DAG_JSON:
      return collectCids(dagJson.decode(bytes))
    default:
      // raw, plain json/cbor and unknown codecs carry no IPLD links
      return []
  }
}

function collectCids (value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
  } else if (Array.isArray(value)) {
    for (const item of value) collectCids(item, out)
  } else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) collectCids(item, out)
  }
  return out
}

/** The blocks that resolve a path: every block walked through (HAMT shards included), and the CID at its end. */
export interface DagPathResolution {
  /** CIDs loaded to resolve the path, root first, excluding the terminal one. */
  via: CID[]
  /** The CID the path ends at (the containing block when the path ends inside a document). */
  terminal: CID
  /** Path segments left inside the terminal block (a path that ends within a dag-cbor/dag-json document). */
  remainder: string[]
  /** The logical roots: the root and one CID per path segment resolved (X-Ipfs-Roots), no HAMT shards. */
  roots: CID[]
}

/**
 * Resolves a path below a root through UnixFS directories (HAMT shards included, only
 * the shards on the way) and through dag-cbor/dag-json documents and their links.
 */
export async function resolveDagPath (node: CairnNode, root: CID, segments: string[], options: ReadOptions = {}): Promise<DagPathResolution> {
  const content: ContentPath = { root, segments }
  if (segments.length === 0) return { via: [], terminal: root, remainder: [], roots: [root] }
  const cids: CID[] = []
  const roots: CID[] = []
  let remainder: string[] = segments
  try {
    const target = [root.toString(), ...segments.map(escapeSlashes)].join('/')
    for await (const step of walkPath(target, node.helia.blockstore, { ...exporterOptions(node, options), yieldSubShards: true })) {
      const last = cids[cids.length - 1]
      if (last == null || !last.equals(step.cid)) cids.push(step.cid)
      // a HAMT sub-shard leaves the remaining path as it was; a resolved segment shortens it
      if (roots.length === 0 || step.remainder.length < remainder.length) roots.push(step.cid)
      remainder = step.remainder
    }
  } catch (err) {
    // a key that a dag-cbor/dag-json document does not have is a path not in the DAG
    if (err instanceof Error && err.name === 'BadPathError') {
      throw new NotFoundError(`${formatContentPath(content)}: ${err.message}`, { cause: err })
    }
    throw translateReadError(err, content)
  }
  const terminal = cids.pop() ?? root
  return { via: cids, terminal, remainder, roots }
}

function escapeSlashes (segment: string): string {
  return segment.replaceAll('/', '\\/')
}

/** The varint-prefixed CARv1 header for these roots. */
export function carHeader (roots: CID[]): Uint8Array {
  const header = dagCbor.encode({ version: 1, roots })
  return withLengthPrefix(header.byteLength, [header])
}

function withLengthPrefix (length: number, parts: Uint8Array[]): Uint8Array {
  const prefixLength = varint.encodingLength(length)
  const out = new Uint8Array(prefixLength + parts.reduce((n, p) => n + p.byteLength, 0))
  varint.encodeTo(length, out, 0)
  let offset = prefixLength
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/**
 * Streams a CARv1 of a DAG: the header (roots: the root), then the blocks that resolve
 * `options.path`, then the blocks below the end of the path chosen by `dagScope` /
 * `entityBytes`, depth-first, each block once unless `dups`. Blocks are read one at a
 * time as the walk reaches them (never the whole DAG in memory). Identity-hash blocks
 * are never written (their bytes are in the CID). Path and root-block errors are thrown
 * before the header is yielded, so a caller can still answer with an error status; an
 * error later (a missing block) ends the stream by throwing.
 */
export async function * exportCar (node: CairnNode, root: CID, options: CarExportOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  // the read options (signal, offline) pass through; exporterOptions picks what it knows
  const readOptions: ReadOptions = options
  const fetch = async (cid: CID): Promise<Uint8Array> => {
    await options.refuse?.(cid)
    return await readBlock(node, cid, readOptions)
  }
  const { via, terminal } = await resolveDagPath(node, root, options.path ?? [], readOptions)
  for (const cid of via) await options.refuse?.(cid)
  const terminalBytes = await fetch(terminal)

  const seen = new Set<string>()
  const dups = options.dups === true
  function * emit (cid: CID, bytes: Uint8Array): Generator<Uint8Array> {
    if (isIdentityCid(cid)) return
    if (!dups) {
      const key = cid.toString()
      if (seen.has(key)) return
      seen.add(key)
    }
    const cidBytes = cid.bytes
    yield withLengthPrefix(cidBytes.byteLength + bytes.byteLength, [cidBytes])
    yield bytes
  }

  yield carHeader(options.roots ?? [root])
  for (const cid of via) {
    yield * emit(cid, await fetch(cid))
  }

  const scope: DagScope = options.entityBytes != null ? 'entity' : options.dagScope ?? 'all'
  if (scope === 'block') {
    yield * emit(terminal, terminalBytes)
  } else if (scope === 'all') {
    yield * walkAll(terminal, terminalBytes, fetch, emit, dups, seen)
  } else {
    yield * walkEntity(terminal, terminalBytes, options.entityBytes, fetch, emit, dups, seen)
  }
}

type Fetch = (cid: CID) => Promise<Uint8Array>
type Emit = (cid: CID, bytes: Uint8Array) => Generator<Uint8Array>

/** How many sibling blocks are fetched ahead of the one being written. */
const LOOKAHEAD = 4

/**
 * Yields the blocks of `cids` in order, fetching a few ahead so a networked node keeps
 * several requests in flight. Skips blocks already written when duplicates are off.
 */
async function * fetchInOrder (cids: CID[], fetch: Fetch, skip: (cid: CID) => boolean): AsyncGenerator<[CID, Uint8Array]> {
  const wanted = cids.filter(cid => !skip(cid))
  const pending: Array<Promise<Uint8Array>> = []
  let next = 0
  const fill = (): void => {
    while (pending.length < LOOKAHEAD && next < wanted.length) {
      const promise = fetch(wanted[next++] as CID)
      // a fetch ahead that fails is reported when its turn comes, not as unhandled
      promise.catch(() => {})
      pending.push(promise)
    }
  }
  for (let i = 0; i < wanted.length; i++) {
    fill()
    const bytes = await (pending.shift() as Promise<Uint8Array>)
    yield [wanted[i] as CID, bytes]
  }
}

function skipper (dups: boolean, seen: Set<string>): (cid: CID) => boolean {
  return cid => !dups && seen.has(cid.toString())
}

async function * walkAll (cid: CID, bytes: Uint8Array, fetch: Fetch, emit: Emit, dups: boolean, seen: Set<string>): AsyncGenerator<Uint8Array> {
  yield * emit(cid, bytes)
  const skip = skipper(dups, seen)
  for await (const [child, childBytes] of fetchInOrder(linksOf(cid, bytes), fetch, skip)) {
    // a sibling fetched ahead may have been written meanwhile, deeper in the walk
    if (skip(child)) continue
    yield * walkAll(child, childBytes, fetch, emit, dups, seen)
  }
}

function unixfsOf (bytes: Uint8Array): { node: dagPb.PBNode, unixfs: UnixFS } | undefined {
  try {
    const node = dagPb.decode(bytes)
    if (node.Data == null) return undefined
    return { node, unixfs: UnixFS.unmarshal(node.Data) }
  } catch {
    return undefined
  }
}

async function * walkEntity (cid: CID, bytes: Uint8Array, range: EntityBytes | undefined, fetch: Fetch, emit: Emit, dups: boolean, seen: Set<string>): AsyncGenerator<Uint8Array> {
  if (cid.code !== DAG_PB) {
    // a raw block is a whole file in one block; other codecs: the entity is the block
    yield * emit(cid, bytes)
    return
  }
  const decoded = unixfsOf(bytes)
  if (decoded == null) {
    yield * emit(cid, bytes)
    return
  }
  const { node, unixfs } = decoded
  switch (unixfs.type) {
    case 'file':
    case 'raw':
      if (range == null) {
        yield * walkAll(cid, bytes, fetch, emit, dups, seen)
      } else {
        const size = Number(unixfs.fileSize())
        const span = resolveEntityBytes(range, size)
        yield * emit(cid, bytes)
        if (span != null) yield * walkFileRange(cid, bytes, span, 0, fetch, emit)
      }
      return
    case 'hamt-sharded-directory':
      yield * walkHamtShards(cid, bytes, node, unixfs, fetch, emit)
      return
    default:
      // directory, symlink, metadata: the block alone
      yield * emit(cid, bytes)
  }
}

/**
 * The inclusive byte span `[first, last]` an `entity-bytes` range covers in a file of
 * `size` bytes, clamped to the file; undefined when it covers nothing (the CAR then
 * holds only the file's root block, as `dag-scope=block`).
 */
export function resolveEntityBytes (range: EntityBytes, size: number): [number, number] | undefined {
  const first = range.from < 0 ? Math.max(0, size + range.from) : range.from
  let last = range.to === '*' ? size - 1 : range.to < 0 ? size + range.to : range.to
  last = Math.min(last, size - 1)
  if (size === 0 || first > last || first >= size) return undefined
  return [first, last]
}

/** Writes the children of a file node whose bytes overlap `span` (the node itself is already written). */
async function * walkFileRange (cid: CID, bytes: Uint8Array, span: [number, number], nodeStart: number, fetch: Fetch, emit: Emit): AsyncGenerator<Uint8Array> {
  if (cid.code !== DAG_PB) return
  const decoded = unixfsOf(bytes)
  if (decoded == null) return
  const { node, unixfs } = decoded
  let position = nodeStart + (unixfs.data?.byteLength ?? 0)
  const wanted: Array<{ cid: CID, start: number }> = []
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n)
    const start = position
    const end = position + size - 1
    position += size
    if (size > 0 && end >= span[0] && start <= span[1]) wanted.push({ cid: link.Hash, start })
  })
  // each child of a file sits at its own offset: duplicates are never skipped before the walk
  let index = 0
  for await (const [child, childBytes] of fetchInOrder(wanted.map(w => w.cid), fetch, () => false)) {
    const start = wanted[index++]?.start ?? 0
    yield * emit(child, childBytes)
    yield * walkFileRange(child, childBytes, span, start, fetch, emit)
  }
}

/** Writes a HAMT shard and its sub-shards, but none of the entries they hold. */
async function * walkHamtShards (cid: CID, bytes: Uint8Array, node: dagPb.PBNode, unixfs: UnixFS, fetch: Fetch, emit: Emit): AsyncGenerator<Uint8Array> {
  yield * emit(cid, bytes)
  const fanout = Number(unixfs.fanout ?? 256n)
  const padLength = (fanout - 1).toString(16).length
  const shards = node.Links.filter(link => (link.Name ?? '').length === padLength).map(link => link.Hash)
  for await (const [child, childBytes] of fetchInOrder(shards, fetch, () => false)) {
    const decoded = unixfsOf(childBytes)
    if (decoded == null || decoded.unixfs.type !== 'hamt-sharded-directory') {
      yield * emit(child, childBytes)
      continue
    }
    yield * walkHamtShards(child, childBytes, decoded.node, decoded.unixfs, fetch, emit)
  }
}
