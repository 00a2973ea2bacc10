import { createUnsafe } from 'multiformats/block'
import { BlockNotLocalError } from '../errors.js'
import { readBlock } from '../car/car-export.js'
import { translateReadError } from '../content/resolve.js'
import { blockKey } from '../repo/block-files.js'
import { IDENTITY } from '../repo/block-hash.js'
import { blockProblem } from '../repo/verify.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

const RAW = 0x55

/** Reads one whole block. */
export type BlockReader = (cid: CID, signal?: AbortSignal) => Promise<Uint8Array>

async function collect (pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const piece of pieces) parts.push(piece)
  return parts.length === 1 ? parts[0] as Uint8Array : Buffer.concat(parts)
}

/**
 * Reads blocks through Helia: local ones from disk, missing ones from the network when
 * the node is online; offline a missing block is an ERR_BLOCK_NOT_LOCAL.
 */
export function nodeBlockReader (node: CairnNode): BlockReader {
  return async (cid, signal) => await readBlock(node, cid, signal != null ? { signal } : {})
}

/**
 * Checks that a block is in the local blockstore, with the error a read of it would
 * give offline (ERR_BLOCK_NOT_LOCAL), without reading it.
 */
export function localBlockCheck (node: CairnNode): (cid: CID) => Promise<void> {
  return async cid => {
    if (await node.repo.blockstore.has(cid)) return
    const offline = Object.assign(new Error(`block ${cid.toString()} is not local`), { name: 'BlockNotFoundWhileOfflineError' })
    throw translateReadError(offline, { root: cid, segments: [] })
  }
}

/**
 * Reads blocks from the repo's blockstore on disk only: never the network, and none of
 * Helia's block locks (so GC can walk pins while it holds the write lock).
 */
export function localBlockReader (node: CairnNode): BlockReader {
  return async (cid, signal) => {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    try {
      return await collect(node.repo.blockstore.get(cid, signal != null ? { signal } : {}))
    } catch (err) {
      throw new BlockNotLocalError(`block ${cid.toString()} is not in the local blockstore`, { cause: err })
    }
  }
}

/** Options for {@link walkDag}. */
export interface WalkOptions {
  /** How many levels of links to follow: 0 is the root alone; Infinity (default) the whole DAG. */
  depth?: number
  signal?: AbortSignal
  /** Keys ({@link blockKey}) of blocks already visited: skipped, and added to as the walk goes. */
  seen?: Set<string>
  /** Re-hash every block and report a mismatch instead of following its links. */
  verify?: boolean
  /** Yield a block that cannot be read or decoded (with `error`) instead of throwing. */
  tolerant?: boolean
  /**
   * Yield raw blocks (which have no links) without reading them: for walks that only
   * need the CIDs (GC, `pin ls`). Ignored when `verify` is set.
   */
  skipRawLeaves?: boolean
  /** With `skipRawLeaves`: checks that each raw block skipped is there, throwing if not. */
  requireBlock?: (cid: CID) => Promise<void>
}

/** One block met by {@link walkDag}. */
export interface WalkedBlock {
  cid: CID
  /** Levels below the root. */
  depth: number
  /** Absent when the block could not be read (tolerant walks) or was not (`skipRawLeaves`). */
  bytes?: Uint8Array
  /** Why the block is bad (tolerant walks only). */
  error?: Error
}

/**
 * Walks a DAG depth-first in link order, each block once, decoding links with the
 * node's codecs (dag-pb, raw, dag-cbor, dag-json, json).
 */
export async function * walkDag (node: CairnNode, read: BlockReader, root: CID, options: WalkOptions = {}): AsyncGenerator<WalkedBlock> {
  const maxDepth = options.depth ?? Infinity
  const seen = options.seen ?? new Set<string>()
  const stack: Array<{ cid: CID, depth: number }> = [{ cid: root, depth: 0 }]
  while (stack.length > 0) {
    const { cid, depth } = stack.pop() as { cid: CID, depth: number }
    const key = blockKey(cid.multihash)
    if (seen.has(key)) continue
    seen.add(key)
    options.signal?.throwIfAborted()
    if (cid.code === RAW && options.skipRawLeaves === true && options.verify !== true) {
      try {
        if (cid.multihash.code !== IDENTITY) await options.requireBlock?.(cid)
      } catch (err) {
        if (options.tolerant !== true) throw err
        yield { cid, depth, error: err instanceof Error ? err : new Error(String(err)) }
        continue
      }
      yield { cid, depth }
      continue
    }
    let bytes: Uint8Array
    const links: CID[] = []
    try {
      bytes = await read(cid, options.signal)
      if (options.verify === true) {
        const problem = blockProblem(cid.multihash, bytes)
        if (problem != null) throw new Error(problem)
      }
      if (depth < maxDepth) {
        const codec = await node.helia.getCodec(cid.code)
        const block = createUnsafe({ bytes, cid, codec })
        for (const [, link] of block.links()) links.push(link)
      }
    } catch (err) {
      if (options.tolerant !== true) throw err
      yield { cid, depth, error: err instanceof Error ? err : new Error(String(err)) }
      continue
    }
    yield { cid, depth, bytes }
    for (let i = links.length - 1; i >= 0; i--) {
      stack.push({ cid: links[i] as CID, depth: depth + 1 })
    }
  }
}
