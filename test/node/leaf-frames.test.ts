import test, { type ExecutionContext } from 'ava'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { frameRoom, readInFrames } from '../../node/unixfs/leaf-frames.js'
import { pbLeafBlock } from '../../node/unixfs/leaf-importers.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'

async function file (t: ExecutionContext, size: number): Promise<{ path: string, bytes: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-leaf-frames-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const path = join(dir, 'input.bin')
  const bytes = deterministicBytes(size, size)
  await writeFile(path, bytes)
  return { path, bytes }
}

async function chunksOf (path: string, chunkSize: number, size: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of readInFrames(path, chunkSize, size)) chunks.push(chunk)
  return chunks
}

const MiB = 1024 * 1024

test('a file reads back whole in chunks of the size asked, the last one shorter, across reads of several chunks', async t => {
  // 1,000,000-byte chunks: four to a 4 MiB read, which does not end on a chunk of the file
  for (const [size, chunkSize] of [[0, 1000], [1, 1000], [999, 1000], [1000, 1000], [1001, 1000], [4 * MiB + 5, 1_000_000], [8 * MiB, 256 * 1024], [8 * MiB + 1, 256 * 1024]] as const) {
    const { path, bytes } = await file(t, size)
    const chunks = await chunksOf(path, chunkSize, size)
    t.true(Buffer.concat(chunks).equals(bytes), `${size} bytes in chunks of ${chunkSize}`)
    t.is(chunks.length, Math.ceil(size / chunkSize))
    t.true(chunks.slice(0, -1).every(chunk => chunk.byteLength === chunkSize))
    t.true(chunks.every(chunk => frameRoom(chunk, 13, 6) !== undefined), 'every chunk has room for its leaf around it')
  }
})

test('an open descriptor is read from its own offset on, in frames, and left open', async t => {
  const { path, bytes } = await file(t, 3 * MiB + 7)
  const fd = openSync(path, 'r')
  t.teardown(() => { closeSync(fd) })
  readSync(fd, Buffer.alloc(1000), 0, 1000, null)
  const chunks: Uint8Array[] = []
  for await (const chunk of readInFrames(fd, MiB, bytes.byteLength)) chunks.push(chunk)
  t.true(Buffer.concat(chunks).equals(bytes.subarray(1000)))
  t.deepEqual(chunks.map(c => c.byteLength), [MiB, MiB, MiB - 1000 + 7])
  t.is(fstatSync(fd).size, bytes.byteLength, 'still open')
})

test('a leaf is made around its chunk in the frame, byte for byte the importer\'s own', async t => {
  const { path, bytes } = await file(t, 3 * 256 * 1024 + 17)
  let offset = 0
  for (const chunk of await chunksOf(path, 256 * 1024, bytes.byteLength)) {
    const expected = dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })
    const leaf = pbLeafBlock('file', chunk)
    t.is(leaf.buffer, chunk.buffer, 'no copy')
    t.true(Buffer.from(leaf).equals(expected))
    // the chunk itself is untouched
    t.true(Buffer.from(chunk).equals(bytes.subarray(offset, offset + chunk.byteLength)))
    offset += chunk.byteLength
  }
})

test('a part of a frame\'s chunk, or bytes from anywhere else, are copied into a leaf of their own, the frame untouched', async t => {
  const { path } = await file(t, 4096)
  const [chunk] = await chunksOf(path, 4096, 4096) as [Uint8Array]
  const frame = Buffer.from(chunk.buffer as ArrayBuffer)
  const before = Buffer.from(frame)
  for (const part of [chunk.subarray(1), chunk.subarray(0, 100), new Uint8Array(chunk)]) {
    t.is(frameRoom(part, 13, 6), undefined)
    const leaf = pbLeafBlock('file', part)
    t.not(leaf.buffer, chunk.buffer)
    t.true(Buffer.from(leaf).equals(dagPb.encode({ Data: new UnixFS({ type: 'file', data: part }).marshal(), Links: [] })))
  }
  t.true(frame.equals(before))
})

test('small files get frames their own size, and bytes added while a file is read are read to its end', async t => {
  const { path } = await file(t, 500)
  t.deepEqual((await chunksOf(path, 256 * 1024, 500)).map(chunk => chunk.buffer.byteLength - chunk.byteLength), [24], 'one 500-byte frame, with room around it')
  const { path: growing, bytes } = await file(t, 4 * MiB + 10)
  const added = deterministicBytes(5000, 7)
  const chunks: Uint8Array[] = []
  for await (const chunk of readInFrames(growing, MiB, bytes.byteLength)) {
    // the read of the last 10 bytes is under way; the look for more comes after it
    if (chunks.length === 0) await appendFile(growing, added)
    chunks.push(chunk)
  }
  t.true(Buffer.concat(chunks).equals(Buffer.concat([bytes, added])))
})

test('a missing file fails when its chunks are read', async t => {
  const err = await t.throwsAsync(chunksOf(join(tmpdir(), `cairn-no-such-input-${process.pid}`), 1000, 1000))
  t.is((err as NodeJS.ErrnoException).code, 'ENOENT')
})
