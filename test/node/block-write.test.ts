import test from 'ava'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { blockFilePath } from '../../node/repo/block-files.js'
import { HashingBlockstore } from '../../node/repo/hashing-blockstore.js'

async function store (): Promise<{ blocks: HashingBlockstore, dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'cairn-block-write-'))
  const dir = join(root, 'blocks')
  const blocks = new HashingBlockstore(dir, { hashOnRead: true, corruptDir: join(root, 'corrupt') })
  await blocks.open()
  return { blocks, dir }
}

async function block (size = 4096): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = randomBytes(size)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function whole (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = []
  for await (const piece of source) pieces.push(piece)
  return Buffer.concat(pieces)
}

test('a block the repo writes is where a plain blockstore-fs reads it', async t => {
  const { blocks, dir } = await store()
  const { cid, bytes } = await block()
  await blocks.put(cid, bytes)
  const plain = new FsBlockstore(dir)
  t.deepEqual(await whole(plain.get(cid)), Buffer.from(bytes))
  t.deepEqual(await readFile(blockFilePath(dir, cid.multihash)), Buffer.from(bytes))
})

test('writes of one block at once leave it whole and no temp file', async t => {
  const { blocks, dir } = await store()
  const { cid, bytes } = await block(256 * 1024)
  await Promise.all(Array.from({ length: 10 }, async () => await blocks.put(cid, bytes)))
  const file = blockFilePath(dir, cid.multihash)
  t.deepEqual(await readFile(file), Buffer.from(bytes))
  t.deepEqual(await readdir(dirname(file)), [file.slice(file.lastIndexOf('/') + 1)])
})

test('a shard folder removed after a write is made again by the next', async t => {
  const { blocks, dir } = await store()
  const first = await block()
  await blocks.put(first.cid, first.bytes)
  const shard = dirname(blockFilePath(dir, first.cid.multihash))
  await rm(shard, { recursive: true })
  // another block in the same shard folder
  let second = await block()
  while (dirname(blockFilePath(dir, second.cid.multihash)) !== shard) second = await block()
  await blocks.put(second.cid, second.bytes)
  t.deepEqual(await readFile(blockFilePath(dir, second.cid.multihash)), Buffer.from(second.bytes))
})

test('a write that fails says which block and leaves no temp file', async t => {
  const { blocks, dir } = await store()
  const { cid, bytes } = await block()
  const file = blockFilePath(dir, cid.multihash)
  // a folder where the block file goes: the rename into place fails
  await mkdir(join(file, 'in-the-way'), { recursive: true })
  const err = await t.throwsAsync(blocks.put(cid, bytes))
  t.is(err?.name, 'PutFailedError')
  t.true(err?.message.includes(cid.toString()))
  t.deepEqual(await readdir(dirname(file)), [file.slice(file.lastIndexOf('/') + 1)])
})
