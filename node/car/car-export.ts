import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { varint } from 'multiformats'
import { hasBlock, isIdentityCid, readBlock, resolveDagPath } from '../blocks.js'
import { DAG_PB } from '../dag/codecs.js'
import { walkDag, type BlockSource, type DagChild, type DagWalkOptions } from '../dag/walk.js'
import { blockKey } from '../repo/block-files.js'
import type { ReadOptions } from '../content/resolve.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

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

/** How many blocks are fetched ahead of the one being written. */
const LOOKAHEAD = 4

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
  // the read options (signal, offline) pass through; readBlock picks what it knows
  const readOptions: ReadOptions = options
  const fetch = async (cid: CID): Promise<Uint8Array> => {
    await options.refuse?.(cid)
    return await readBlock(node, cid, readOptions)
  }
  const { via, terminal } = await resolveDagPath(node, root, options.path ?? [], readOptions)
  for (const cid of via) await options.refuse?.(cid)
  const terminalBytes = await fetch(terminal)

  const written = new Set<string>()
  const dups = options.dups === true
  function * emit (cid: CID, bytes: Uint8Array): Generator<Uint8Array> {
    if (isIdentityCid(cid)) return
    if (!dups) {
      const key = blockKey(cid.multihash)
      if (written.has(key)) return
      written.add(key)
    }
    const cidBytes = cid.bytes
    yield withLengthPrefix(cidBytes.byteLength + bytes.byteLength, [cidBytes])
    yield bytes
  }
  async function * emitWalk<S> (walkOptions: DagWalkOptions<S>): AsyncGenerator<Uint8Array> {
    // the terminal block is read already, the rest through the refuse check
    let pendingTerminal: Uint8Array | undefined = terminalBytes
    const source: BlockSource = {
      has: async cid => await hasBlock(node, cid),
      get: async cid => {
        const known = pendingTerminal
        pendingTerminal = undefined
        return known != null && cid.equals(terminal) ? known : await fetch(cid)
      }
    }
    const walk = walkDag(source, terminal, {
      missing: 'fetch',
      lookahead: LOOKAHEAD,
      revisit: dups,
      ...(options.signal != null ? { signal: options.signal } : {}),
      ...walkOptions
    })
    for await (const block of walk) yield * emit(block.cid, block.bytes as Uint8Array)
  }

  yield carHeader(options.roots ?? [root])
  for (const cid of via) {
    yield * emit(cid, await fetch(cid))
  }

  const scope: DagScope = options.entityBytes != null ? 'entity' : options.dagScope ?? 'all'
  const entity = scope === 'entity' ? unixfsOf(terminal, terminalBytes) : undefined
  const isFile = entity?.unixfs.type === 'file' || entity?.unixfs.type === 'raw'
  if (scope === 'all' || (isFile && options.entityBytes == null)) {
    yield * emitWalk({})
  } else if (entity != null && isFile) {
    const size = Number(entity.unixfs.fileSize())
    const span = resolveEntityBytes(options.entityBytes as EntityBytes, size)
    yield * emit(terminal, terminalBytes)
    if (span != null) yield * emitWalk(fileRangeWalk(span, size))
  } else if (entity?.unixfs.type === 'hamt-sharded-directory') {
    yield * emitWalk(hamtShardWalk)
  } else {
    // dag-scope=block; a raw block (a whole file in one block), another codec, a
    // directory, a symlink: the block alone
    yield * emit(terminal, terminalBytes)
  }
}

function unixfsOf (cid: CID, bytes: Uint8Array): { node: dagPb.PBNode, unixfs: UnixFS } | undefined {
  if (cid.code !== DAG_PB) return undefined
  try {
    const node = dagPb.decode(bytes)
    if (node.Data == null) return undefined
    return { node, unixfs: UnixFS.unmarshal(node.Data) }
  } catch {
    return undefined
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

/** Where a block of a file sits: its first byte's offset in the file, and how many bytes it holds. */
interface FileSpan { start: number, size: number }

/**
 * A walk of the blocks of a file that hold bytes of `span`. A block is visited once per
 * part of itself the span covers (its key is its multihash and that part), so a block
 * repeated at many offsets is walked once for all the places the span covers it whole.
 */
function fileRangeWalk (span: [number, number], size: number): DagWalkOptions<FileSpan> {
  const part = (at: FileSpan): string =>
    `${Math.max(0, span[0] - at.start)}-${Math.min(at.size - 1, span[1] - at.start)}`
  return {
    rootState: { start: 0, size },
    key: (cid, at) => `${blockKey(cid.multihash)}@${part(at)}`,
    children ({ cid, bytes, state }) {
      const decoded = unixfsOf(cid, bytes)
      if (decoded == null) return []
      const { node, unixfs } = decoded
      let position = state.start + (unixfs.data?.byteLength ?? 0)
      const wanted: Array<DagChild<FileSpan>> = []
      node.Links.forEach((link, i) => {
        const size = Number(unixfs.blockSizes[i] ?? 0n)
        const start = position
        position += size
        if (size > 0 && start + size - 1 >= span[0] && start <= span[1]) wanted.push({ cid: link.Hash, state: { start, size } })
      })
      return wanted
    }
  }
}

/** A walk of a HAMT shard and its sub-shards, but none of the entries they hold. */
const hamtShardWalk: DagWalkOptions<undefined> = {
  children ({ cid, bytes }) {
    const decoded = unixfsOf(cid, bytes)
    if (decoded == null || decoded.unixfs.type !== 'hamt-sharded-directory') return []
    const padLength = (Number(decoded.unixfs.fanout ?? 256n) - 1).toString(16).length
    return decoded.node.Links
      .filter(link => (link.Name ?? '').length === padLength)
      .map(link => ({ cid: link.Hash, state: undefined }))
  }
}
