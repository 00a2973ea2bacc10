import * as dagPb from '@ipld/dag-pb'
import { CarWriter } from '@ipld/car/writer'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

/** A block: its CID and bytes. */
export interface TestBlock { cid: CID, bytes: Uint8Array }

/** A DAG built in memory: its root and every distinct block, root first. */
export interface TestDag { root: CID, blocks: TestBlock[] }

/** A dag-pb block of this node. */
export async function pbBlock (node: dagPb.PBNode): Promise<TestBlock> {
  const bytes = dagPb.encode(dagPb.prepare(node))
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

/** A raw block of these bytes. */
export async function rawBlock (bytes: Uint8Array): Promise<TestBlock> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/**
 * A DAG bomb: a raw leaf, and `levels` UnixFS files above it, each of whose node links
 * `width` times to the one below. Few distinct blocks, `width ** levels` paths to the leaf.
 */
export async function dagBomb (levels = 3, width = 1000): Promise<TestDag> {
  let below = await rawBlock(new TextEncoder().encode('bomb'))
  let size = BigInt(below.bytes.byteLength)
  const blocks: TestBlock[] = [below]
  for (let level = 0; level < levels; level++) {
    const file = new UnixFS({ type: 'file' })
    for (let i = 0; i < width; i++) file.addBlockSize(size)
    const block = await pbBlock({ Data: file.marshal(), Links: Array.from({ length: width }, () => ({ Hash: below.cid, Tsize: Number(size) })) })
    blocks.unshift(block)
    below = block
    size *= BigInt(width)
  }
  return { root: below.cid, blocks }
}

/** A chain of `depth` UnixFS directories, each holding the next as `d`, the last empty. */
export async function directoryChain (depth: number): Promise<TestDag> {
  const data = new UnixFS({ type: 'directory' }).marshal()
  let below = await pbBlock({ Data: data, Links: [] })
  const blocks: TestBlock[] = [below]
  for (let i = 0; i < depth; i++) {
    below = await pbBlock({ Data: data, Links: [{ Name: 'd', Hash: below.cid, Tsize: below.bytes.byteLength }] })
    blocks.push(below)
  }
  blocks.reverse()
  return { root: below.cid, blocks }
}

/** The bytes of a CARv1 with these roots and blocks (written with @ipld/car's writer). */
export async function carBytes (roots: CID[], blocks: TestBlock[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const collected = (async () => { for await (const chunk of out) chunks.push(chunk) })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collected
  return Buffer.concat(chunks)
}
