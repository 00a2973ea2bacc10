import { walkDag, type BlockSource } from './walk.js'
import type { GraphNode, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import type { BlockView } from 'multiformats/block/interface'
import type { CID } from 'multiformats/cid'

/**
 * A Helia graph walker (for `pins.add` / `pins.rm`) over {@link walkDag}: each block once,
 * iteratively, local blocks only (a missing one is ERR_BLOCK_NOT_LOCAL: fetch first), raw
 * leaves only checked to be there, not read. Helia's own walkers visit a block once per
 * path to it (a DAG bomb of 1000 links per level never ends), join each block's pieces by
 * growing a buffer (quadratic for big blocks) and copy the path for every node.
 *
 * Helia's pins use only each node's CID: the block yielded is the CID alone and `path`
 * holds only that CID.
 */
export function dagWalker (source: BlockSource): GraphWalkerFactory {
  return () => ({
    async * walk<T> (root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const walk = walkDag(source, root, {
        readRawLeaves: false,
        missing: 'fail',
        ...(options.depth != null ? { depth: options.depth } : {}),
        ...(options.signal != null ? { signal: options.signal } : {})
      })
      for await (const { cid, depth } of walk) {
        yield { block: { cid } as unknown as BlockView<T, number, number, 0 | 1>, depth, path: [cid] }
      }
    }
  })
}
