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

/** What a HAMT directory's root claims: its fanout and hash type (valid: 256 and 0x22). */
export interface HamtClaims { fanout?: bigint, hashType?: bigint }

/**
 * A HAMT-sharded directory holding `file` (a raw leaf), built by the importer and its
 * root rebuilt with the given fanout and hash type (the defaults keep it valid). The
 * entry's link name keeps the importer's 2-hex-digit bucket prefix.
 */
export async function hamtDirectory (claims: HamtClaims = {}): Promise<TestDag & { content: Uint8Array }> {
  const { importer } = await import('ipfs-unixfs-importer')
  const stored = new Map<string, TestBlock>()
  const blockstore = { put: async (cid: CID, bytes: Uint8Array) => { stored.set(cid.toString(), { cid, bytes }); return cid } }
  const content = new TextEncoder().encode('inside a HAMT\n')
  let root: CID | undefined
  for await (const entry of importer([{ path: 'dir/file', content }], blockstore, { shardSplitThresholdBytes: 0, rawLeaves: true, cidVersion: 1, wrapWithDirectory: false })) {
    if (entry.path === 'dir') root = entry.cid
  }
  const original = stored.get(String(root))
  if (original == null) throw new Error('the importer made no directory')
  const node = dagPb.decode(original.bytes)
  // the bitfield (data) and fanout kept; the hash type is not kept by unmarshal
  const shard = UnixFS.unmarshal(node.Data ?? new Uint8Array())
  const data = new UnixFS({ type: 'hamt-sharded-directory', ...(shard.data != null ? { data: shard.data } : {}), fanout: claims.fanout ?? shard.fanout ?? 256n, hashType: claims.hashType ?? 0x22n }).marshal()
  const rebuilt = await pbBlock({ Data: data, Links: node.Links })
  stored.delete(original.cid.toString())
  return { root: rebuilt.cid, blocks: [rebuilt, ...stored.values()], content }
}

/** The unsigned varint of `n`. */
export function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

/** How a {@link lyingFile} lies. */
export type FileLie = 'filesize' | 'short-leaf' | 'long-leaf' | 'none'

/**
 * A UnixFS file of two raw leaves, `hello ` and `world, again!\n` (20 bytes), whose root
 * says so, or lies: `filesize` declares 100 bytes (the block sizes still add up to 20),
 * `short-leaf` / `long-leaf` keep the root's 20 but store a second leaf shorter / longer
 * than its block size.
 */
export async function lyingFile (lie: FileLie): Promise<TestDag & { content: Uint8Array }> {
  const encoder = new TextEncoder()
  const first = await rawBlock(encoder.encode('hello '))
  const secondText = { 'short-leaf': 'wo', 'long-leaf': 'world, again! and more\n', filesize: 'world, again!\n', none: 'world, again!\n' }[lie]
  const second = await rawBlock(encoder.encode(secondText))
  const file = new UnixFS({ type: 'file' })
  file.addBlockSize(6n)
  file.addBlockSize(14n)
  // protobuf takes the last value of a repeated scalar: a second filesize (field 3) overrides
  const data = lie === 'filesize' ? Buffer.concat([file.marshal(), Buffer.from([0x18, ...varint(100)])]) : file.marshal()
  const root = await pbBlock({ Data: data, Links: [{ Hash: first.cid, Tsize: 6 }, { Hash: second.cid, Tsize: second.bytes.byteLength }] })
  return { root: root.cid, blocks: [root, first, second], content: encoder.encode('hello world, again!\n') }
}

/** A block of any bytes under a codec (a dag-pb CID over bytes that may not decode). */
export async function codecBlock (code: number, bytes: Uint8Array): Promise<TestBlock> {
  return { cid: CID.createV1(code, await sha256.digest(bytes)), bytes }
}
