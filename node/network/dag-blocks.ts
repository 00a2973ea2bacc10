import { storeBlocks } from '../blocks.js'
import { IDENTITY } from '../dag/codecs.js'
import { walkDag } from '../dag/walk.js'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** Options for {@link localDagBlocks}. */
export interface LocalDagOptions {
  signal?: AbortSignal
  /** 0 for the root only, Infinity (default) for the whole DAG. */
  depth?: number
}

/**
 * The CIDs of a DAG's blocks that are in the local blockstore, breadth-first from the
 * root, each once (identity CIDs, which need no providing, left out). Never touches the
 * network: blocks that are not local are skipped along with their children, and so is
 * what is below a block that does not decode. Raw leaves are yielded without being read.
 */
export async function * localDagBlocks (blockstore: Blockstore, root: CID, options: LocalDagOptions = {}): AsyncGenerator<CID> {
  const walk = walkDag(storeBlocks(blockstore), root, {
    order: 'breadth-first',
    missing: 'skip',
    readRawLeaves: false,
    tolerant: true,
    ...(options.depth != null ? { depth: options.depth } : {}),
    ...(options.signal != null ? { signal: options.signal } : {})
  })
  for await (const { cid } of walk) {
    if (cid.multihash.code !== IDENTITY) yield cid
  }
}
