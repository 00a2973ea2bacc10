import { walkPath } from 'ipfs-unixfs-exporter'
import { formatContentPath, type ContentPath } from './content/content-path.js'
import { exporterOptions, translateReadError, type ReadOptions } from './content/resolve.js'
import { IDENTITY } from './dag/codecs.js'
import { BlockNotLocalError, BlockTooBigError, NotFoundError, isCairnError } from './errors.js'
import { readWholeBlock, type PieceSource } from './unixfs/whole-blocks.js'
import { checkedBlocks } from './unixfs/checked-blocks.js'
import type { BlockSource } from './dag/walk.js'
import type { CairnNode } from './node.js'
import type { CID } from 'multiformats/cid'

/** The largest block accepted without `--allow-big-block`: 2 MiB, bitswap's limit (and Kubo's). */
export const BLOCK_SIZE_LIMIT = 2 * 1024 * 1024

/** The largest block accepted even with `--allow-big-block`, so no buffer is unbounded. */
export const BIG_BLOCK_LIMIT = 256 * 1024 * 1024

/** The size limit for a block: {@link BLOCK_SIZE_LIMIT}, or {@link BIG_BLOCK_LIMIT} with `--allow-big-block`. */
export function blockSizeLimit (allowBigBlock: boolean): number {
  return allowBigBlock ? BIG_BLOCK_LIMIT : BLOCK_SIZE_LIMIT
}

/**
 * Throws ERR_BLOCK_TOO_BIG for a block (named by `what`) of `size` bytes above the limit:
 * 2 MiB unless `allowBigBlock`, then {@link BIG_BLOCK_LIMIT}.
 */
export function checkBlockSize (what: string, size: number, allowBigBlock: boolean): void {
  if (size <= blockSizeLimit(allowBigBlock)) return
  if (allowBigBlock) throw new BlockTooBigError(`${what} is ${size} bytes, over the ${BIG_BLOCK_LIMIT / 1024 / 1024} MiB limit for any block`)
  throw new BlockTooBigError(`${what} is ${size} bytes, over the 2 MiB block limit (peers cannot exchange it over bitswap): add it as a file to chunk it, or pass --allow-big-block`)
}

/**
 * The bytes of one block given as a stream (`block put`), refused with ERR_BLOCK_TOO_BIG
 * as soon as they pass the limit (never buffered beyond it), joined with one copy.
 */
export async function collectBlock (source: AsyncIterable<Uint8Array>, what: string, allowBigBlock: boolean): Promise<Uint8Array> {
  const limit = blockSizeLimit(allowBigBlock)
  const pieces: Uint8Array[] = []
  let length = 0
  for await (const piece of source) {
    length += piece.byteLength
    if (length > limit) checkBlockSize(`${what} (at least)`, length, allowBigBlock)
    pieces.push(piece)
  }
  return Buffer.concat(pieces, length)
}

/** True for CIDs whose multihash is the identity hash: the bytes are in the CID itself. */
export function isIdentityCid (cid: CID): boolean {
  return cid.multihash.code === IDENTITY
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
    return await readWholeBlock(node.blocks, cid, exporterOptions(node, options))
  } catch (err) {
    throw translateReadError(err, { root: cid, segments: [] })
  }
}

/**
 * Blocks through Helia: local ones from disk, missing ones from the network when the
 * node is online (offline, or with `options.offline`, a missing block is an
 * ERR_BLOCK_NOT_LOCAL).
 */
export function nodeBlocks (node: CairnNode, options: Omit<ReadOptions, 'signal'> = {}): BlockSource {
  return {
    has: async cid => await hasBlock(node, cid),
    get: async (cid, signal) => await readBlock(node, cid, { ...options, ...(signal != null ? { signal } : {}) })
  }
}

/**
 * Blocks of one blockstore only: never the network, and none of Helia's block locks
 * when given the repo's blockstore (so GC can walk pins while it holds the write lock).
 */
export function storeBlocks (store: PieceSource & { has(cid: CID, options?: { signal?: AbortSignal }): Promise<boolean> | boolean }): BlockSource {
  return {
    has: async (cid, signal) => await store.has(cid, signal != null ? { signal } : {}),
    get: async (cid, signal) => {
      try {
        return await readWholeBlock(store, cid, signal != null ? { signal } : {})
      } catch (err) {
        // a corrupt block, an invalid DAG, an abort: as they are
        if (isCairnError(err) || signal?.aborted === true) throw err
        throw new BlockNotLocalError(`block ${cid.toString()} is not in the local blockstore`, { cause: err })
      }
    }
  }
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
    for await (const step of walkPath(target, checkedBlocks(node.blocks), { ...exporterOptions(node, options), yieldSubShards: true })) {
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
