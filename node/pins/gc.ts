import { rm, stat } from 'node:fs/promises'
import { blockCid, blockFiles, tempFiles } from '../repo/block-files.js'
import { pinnedBlockKeys } from './pins.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** What GC removed: a block, or the temp file of a block write that never finished. */
export type GcRemoval =
  | { kind: 'block', cid: CID, size: number }
  | { kind: 'temp', path: string, size: number }

interface Lockable { lock?: { writeLock(): Promise<() => void> } }

/**
 * Deletes every block no pin keeps, and the temp files of interrupted writes. Blocks kept
 * are found by walking the pins themselves (not Helia's per-block counters, which an
 * interrupted pin can leave behind). Holds the node's GC lock (`node.gcLock`) and
 * Helia's block write lock while it runs, so nothing in this process writes blocks or
 * is between writing blocks and pinning them meanwhile; the repo lock keeps other
 * processes out.
 */
export async function * collectGarbage (node: CairnNode, signal?: AbortSignal): AsyncGenerator<GcRemoval> {
  const releaseGc = await node.gcLock.exclusive()
  const release = await (node.helia.blockstore as Lockable).lock?.writeLock()
  try {
    const keep = await pinnedBlockKeys(node, signal)
    for await (const file of blockFiles(node.repo.paths.blocks)) {
      signal?.throwIfAborted()
      if (file.multihash == null || keep.has(file.key)) continue
      await rm(file.path, { force: true })
      yield { kind: 'block', cid: blockCid(file.multihash), size: file.size }
    }
    for await (const path of tempFiles(node.repo.paths.blocks)) {
      const size = (await stat(path).catch(() => undefined))?.size ?? 0
      await rm(path, { force: true })
      yield { kind: 'temp', path, size }
    }
  } finally {
    release?.()
    releaseGc()
  }
}
