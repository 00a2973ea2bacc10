import { unlink } from 'node:fs/promises'
import { blockCid, blockEntries, blockFileOfTemp, concurrently, fileSize, tempFiles } from '../repo/block-files.js'
import { pinnedBlockKeys } from './pins.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** What GC removed: a block, or the temp file of a block write that never finished. */
export type GcRemoval =
  | { kind: 'block', cid: CID, size: number }
  | { kind: 'temp', path: string, size: number }

interface Lockable { lock?: { writeLock(): Promise<() => void> } }

/** Removes a file and says how big it was; undefined when it was already gone. */
async function remove (path: string): Promise<number | undefined> {
  const size = await fileSize(path)
  if (size === undefined) return undefined
  try {
    await unlink(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return size
}

/**
 * Deletes every block no pin keeps, and the temp files of interrupted writes. Blocks kept
 * are found by walking the pins themselves (not Helia's per-block counters, which an
 * interrupted pin can leave behind). Holds the node's GC lock (`node.gcLock`) and
 * Helia's block write lock while it runs, so nothing in this process writes blocks or
 * is between writing blocks and pinning them meanwhile; the repo lock keeps other
 * processes out. Blocks fetched for a reader are written outside those locks: GC waits
 * for the writes under way before it lists the blocks, so none lands unlisted after its
 * pass, and leaves alone the temp files of the writes started since.
 */
export async function * collectGarbage (node: CairnNode, signal?: AbortSignal): AsyncGenerator<GcRemoval> {
  const releaseGc = await node.gcLock.exclusive()
  const release = await (node.helia.blockstore as Lockable).lock?.writeLock()
  try {
    const blockstore = node.repo.blockstore
    const keep = await pinnedBlockKeys(node, signal)
    await blockstore.writesDone()
    async function * unkept (): AsyncGenerator<{ path: string, multihash: MultihashDigest }> {
      for await (const entry of blockEntries(node.repo.paths.blocks)) {
        signal?.throwIfAborted()
        if (entry.multihash != null && !keep.has(entry.key)) yield { path: entry.path, multihash: entry.multihash }
      }
    }
    yield * concurrently(unkept(), async ({ path, multihash }): Promise<GcRemoval | undefined> => {
      const size = await remove(path)
      return size !== undefined ? { kind: 'block', cid: blockCid(multihash), size } : undefined
    })
    for await (const path of tempFiles(node.repo.paths.blocks)) {
      const block = blockFileOfTemp(path)
      if (block != null && blockstore.isWriting(block)) continue
      const size = await remove(path)
      if (size !== undefined) yield { kind: 'temp', path, size }
    }
  } finally {
    release?.()
    releaseGc()
  }
}
