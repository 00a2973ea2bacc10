import { createUnsafe } from 'multiformats/block'
import * as raw from 'multiformats/codecs/raw'
import { readWholeBlock } from './whole-blocks.js'
import type { GraphNode, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import type { BlockView } from 'multiformats/block/interface'
import type { CID } from 'multiformats/cid'

/**
 * A graph walker for pinning a DAG that `add` has just written: like Helia's depth-first
 * walker, but raw leaves (which link to nothing) are yielded without being read back from
 * disk. Pinning a freshly added 2 GiB file then reads only its few dag-pb nodes instead of
 * every byte again. Helia's `pins.add` uses only each node's CID.
 */
export const addedDagWalker: GraphWalkerFactory = (components) => ({
  async * walk<T> (root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
    const maxDepth = options.depth ?? Infinity
    const visit = async function * (cid: CID, depth: number, path: CID[]): AsyncGenerator<GraphNode<T>> {
      if (cid.code === raw.code) {
        yield { block: { cid } as unknown as BlockView<T, number, number, 0 | 1>, depth, path }
        return
      }
      const bytes = await readWholeBlock(components.blockstore, cid, options)
      const block = createUnsafe({ cid, bytes, codec: await components.getCodec(cid.code) }) as BlockView<T, number, number, 0 | 1>
      yield { block, depth, path }
      if (depth >= maxDepth) return
      for (const [, child] of block.links()) {
        if (options.includeChild?.(child, block) === false) continue
        yield * visit(child, depth + 1, [...path, child])
      }
    }
    yield * visit(root, 0, [root])
  }
})
