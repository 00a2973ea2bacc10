import { createReadStream } from 'node:fs'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { parseCar } from './car.js'
import { fixturePath } from './fixtures.js'
import type { CID } from 'multiformats/cid'

/**
 * A conformance fixture read straight from its CAR file (not through the node), to
 * name the CIDs a response must hold, as the suite's Go helpers do (`MustGetCid`,
 * `MustGetDescendantsCids`, `MustGetCidsInHAMT`).
 */
export interface FixtureDag {
  root: CID
  /** Raw bytes of a block in the fixture. */
  bytes(cid: CID | string): Uint8Array
  /** The CID at a UnixFS path below the root (plain directories and HAMT shards). */
  cid(...path: string[]): string
  /** Every block below `path` (not the block itself), depth-first in link order. */
  descendants(...path: string[]): string[]
  /** The HAMT shards below the root shard, depth-first (not the root itself). */
  hamtShards(): string[]
  /** The HAMT shards walked to find `name` in the root shard, outermost first (not the root). */
  hamtTraversal(name: string): string[]
}

/** Opens a fixture CAR as a {@link FixtureDag}. */
export async function openFixture (name: string): Promise<FixtureDag> {
  const car = await parseCar(createReadStream(fixturePath(name)))
  const blocks = new Map(car.blocks.map(b => [b.cid.toString(), b]))
  const rootText = car.roots[0]
  const rootBlock = rootText != null ? blocks.get(rootText) : undefined
  if (rootBlock == null) throw new Error(`fixture ${name} has no root block`)
  const root = rootBlock.cid
  const get = (cid: CID | string): Uint8Array => {
    const block = blocks.get(cid.toString())
    if (block == null) throw new Error(`block ${cid.toString()} not in fixture ${name}`)
    return block.bytes
  }
  const pb = (cid: CID | string): { node: dagPb.PBNode, unixfs?: UnixFS } => {
    const node = dagPb.decode(get(cid))
    return node.Data != null ? { node, unixfs: UnixFS.unmarshal(node.Data) } : { node }
  }
  const isShard = (cid: CID): boolean => cid.code === dagPb.code && pb(cid).unixfs?.type === 'hamt-sharded-directory'
  const padOf = (cid: CID): number => (Number(pb(cid).unixfs?.fanout ?? 256n) - 1).toString(16).length

  /** Finds `name` in a HAMT by scanning every shard (independent of the hash walk). */
  const findInHamt = (shard: CID, entry: string, trail: string[]): { cid: CID, trail: string[] } | undefined => {
    const pad = padOf(shard)
    for (const link of pb(shard).node.Links) {
      const linkName = link.Name ?? ''
      if (linkName.length === pad && isShard(link.Hash)) {
        const found = findInHamt(link.Hash, entry, [...trail, link.Hash.toString()])
        if (found != null) return found
      } else if (linkName.slice(pad) === entry) {
        return { cid: link.Hash, trail }
      }
    }
    return undefined
  }

  const at = (path: string[]): CID => {
    let cid = root
    for (const segment of path) {
      if (isShard(cid)) {
        const found = findInHamt(cid, segment, [])
        if (found == null) throw new Error(`${segment} not in HAMT ${cid.toString()}`)
        cid = found.cid
        continue
      }
      const link = pb(cid).node.Links.find(l => l.Name === segment)
      if (link == null) throw new Error(`${segment} not under ${cid.toString()} in ${name}`)
      cid = link.Hash
    }
    return cid
  }

  const walk = (cid: CID, out: string[]): string[] => {
    if (cid.code !== dagPb.code) return out
    for (const link of pb(cid).node.Links) {
      out.push(link.Hash.toString())
      if (blocks.has(link.Hash.toString())) walk(link.Hash, out)
    }
    return out
  }

  const shards = (cid: CID, out: string[]): string[] => {
    const pad = padOf(cid)
    for (const link of pb(cid).node.Links) {
      if ((link.Name ?? '').length === pad && isShard(link.Hash)) {
        out.push(link.Hash.toString())
        shards(link.Hash, out)
      }
    }
    return out
  }

  return {
    root,
    bytes: get,
    cid: (...path) => at(path).toString(),
    descendants: (...path) => walk(at(path), []),
    hamtShards: () => shards(root, []),
    hamtTraversal: (entry) => findInHamt(root, entry, [])?.trail ?? []
  }
}
