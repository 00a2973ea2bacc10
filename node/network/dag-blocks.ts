import { createUnsafe } from 'multiformats/block'
import { readWholeBlock } from '../unixfs/whole-blocks.js'
import type { Helia } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

const RAW = 0x55
const IDENTITY = 0x00

/** Options for {@link localDagBlocks}. */
export interface DagWalkOptions {
  signal?: AbortSignal
  /** 0 for the root only, Infinity (default) for the whole DAG. */
  depth?: number
}

/**
 * The CIDs of a DAG's blocks that are in the local blockstore, root first, each once.
 * Never touches the network: blocks that are not local are skipped along with their
 * children. Raw leaves are yielded without being read.
 */
export async function * localDagBlocks (helia: Pick<Helia, 'getCodec'>, blockstore: Blockstore, root: CID, options: DagWalkOptions = {}): AsyncGenerator<CID> {
  const seen = new Set<string>()
  const maxDepth = options.depth ?? Infinity
  const queue: Array<{ cid: CID, depth: number }> = [{ cid: root, depth: 0 }]
  while (queue.length > 0) {
    options.signal?.throwIfAborted()
    const { cid, depth } = queue.shift() as { cid: CID, depth: number }
    const key = Buffer.from(cid.multihash.bytes).toString('base64')
    if (seen.has(key)) continue
    seen.add(key)
    if (cid.multihash.code === IDENTITY) continue
    if (!await blockstore.has(cid)) continue
    yield cid
    if (cid.code === RAW || depth >= maxDepth) continue
    const codec = await Promise.resolve().then(async () => await helia.getCodec(cid.code)).catch(() => undefined)
    if (codec == null) continue
    const bytes = await readWholeBlock(blockstore, cid, options.signal != null ? { signal: options.signal } : {})
    const block = createUnsafe({ bytes, cid, codec })
    for (const [, link] of block.links()) {
      queue.push({ cid: link, depth: depth + 1 })
    }
  }
}
