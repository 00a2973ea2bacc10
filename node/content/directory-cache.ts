import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { readWholeBlock, type PieceSource } from '../unixfs/whole-blocks.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** A plain UnixFS directory's entries by name. */
export type DirectoryLinks = ReadonlyMap<string, CID>

/**
 * Decoded plain (not sharded) UnixFS directories by CID, least recently used dropped
 * first once their blocks add up to `maxBytes`. A gateway request through a directory
 * otherwise reads the node from disk and decodes every link of it (a CID each): for a
 * 1000-entry directory that was ~70 % of the CPU of a small-file request. Content is
 * addressed by its hash, so an entry never goes stale.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, { links: DirectoryLinks, bytes: number }>()
  private bytes = 0

  constructor (private readonly maxBytes: number) {}

  /**
   * The entries of the directory at `cid`, read and decoded on a miss; undefined when it
   * is not a plain UnixFS directory (a file, a HAMT shard, another codec).
   */
  async links (store: PieceSource, cid: CID, options?: AbortOptions): Promise<DirectoryLinks | undefined> {
    if (cid.code !== dagPb.code) return undefined
    const key = cid.toString()
    const hit = this.entries.get(key)
    if (hit != null) {
      // most recently used last
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit.links
    }
    const block = await readWholeBlock(store, cid, options)
    const node = dagPb.decode(block)
    if (node.Data == null || UnixFS.unmarshal(node.Data).type !== 'directory') return undefined
    const links = new Map(node.Links.map(link => [link.Name ?? '', link.Hash]))
    this.remember(key, links, block.byteLength)
    return links
  }

  private remember (key: string, links: DirectoryLinks, bytes: number): void {
    if (bytes > this.maxBytes) return
    this.entries.set(key, { links, bytes })
    this.bytes += bytes
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= entry.bytes
    }
  }
}
