import test from 'ava'
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { CID } from 'multiformats/cid'
import { ChunkedBytesReader } from '../../node/car/bytes-reader.js'
import { readBlock } from '../../node/blocks.js'
import { importCar } from '../../node/car/car-import.js'
import { tempNode } from '../helpers/fixtures.js'
import { carBytes, rawBlock } from '../helpers/hostile-dags.js'

async function * chunksOf (bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (let i = 0; at < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length] as number
    yield bytes.subarray(at, at + size)
    at += size
  }
}

test('sections inside one chunk are views of it; a section across chunks is copied whole', async t => {
  const bytes = randomBytes(100)
  const chunks: Uint8Array[] = []
  const source = (async function * () { for await (const chunk of chunksOf(bytes, [40, 0, 60])) { chunks.push(chunk); yield chunk } })()
  const reader = new ChunkedBytesReader(source, 1000)
  const first = await reader.exactly(30, true)
  t.deepEqual(Buffer.from(first), bytes.subarray(0, 30))
  t.is(first.buffer, (chunks[0] as Uint8Array).buffer, 'a view, not a copy')
  t.deepEqual(Buffer.from(await reader.upTo(20)), bytes.subarray(30, 50), 'upTo does not consume')
  const across = await reader.exactly(20, true)
  t.deepEqual(Buffer.from(across), bytes.subarray(30, 50))
  t.is(across.byteLength, 20)
  t.is(reader.pos, 50)
  t.deepEqual(Buffer.from(await reader.upTo(80)), bytes.subarray(50), 'upTo at the end gives what is left')
  await t.throwsAsync(reader.exactly(51), { message: 'Unexpected end of data' })
  t.deepEqual(Buffer.from(await reader.exactly(50, true)), bytes.subarray(50))
  t.is((await reader.upTo(8)).byteLength, 0)
})

test('a seek past the chunks read so far drops those bytes from the next ones', async t => {
  const bytes = randomBytes(300)
  const reader = new ChunkedBytesReader(chunksOf(bytes, [7, 13, 50]), 1000)
  t.deepEqual(Buffer.from(await reader.exactly(5)), bytes.subarray(0, 5))
  reader.seek(150)
  t.is(reader.pos, 150)
  t.deepEqual(Buffer.from(await reader.exactly(100, true)), bytes.subarray(150, 250))
  t.is(reader.pos, 250)
})

test('chunks read past are let go: memory stays flat however long the stream', async t => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const chunk = 4 * 1024 * 1024
  let peak = 0
  let base = 0
  const source = (async function * () {
    for (let i = 0; i < 48; i++) {
      gc()
      const held = process.memoryUsage().arrayBuffers
      if (i === 0) base = held
      peak = Math.max(peak, held - base)
      yield Buffer.alloc(chunk, i)
    }
  })()
  const reader = new ChunkedBytesReader(source, 2 * 1024 * 1024)
  // sections of 1 MiB and a few bytes: some inside a chunk, some across two
  for (let read = 0; read + 1024 * 1024 + 5 <= 48 * chunk; read += 1024 * 1024 + 5) await reader.exactly(1024 * 1024 + 5, true)
  t.true(peak < 24 * 1024 * 1024, `${peak} bytes held while 192 MiB went through`)
})

test('a read over the cap is refused before anything is buffered', async t => {
  let pulled = 0
  const source = (async function * () { for (;;) { pulled++; yield new Uint8Array(1024) } })()
  const reader = new ChunkedBytesReader(source, 4096)
  await t.throwsAsync(reader.exactly(1 << 30), { message: 'a section claims 1073741824 bytes, over the 4096-byte cap' })
  t.is(pulled, 0)
})

async function carOf (blocks: Uint8Array[]): Promise<{ car: Uint8Array, cids: CID[] }> {
  const built = await Promise.all(blocks.map(rawBlock))
  const cids = built.map(block => block.cid)
  return { car: await carBytes(cids.slice(0, 1), built), cids }
}

/** A CARv2 around a CARv1 payload, `padding` bytes after its header (the reader seeks over them). */
function carV2 (v1: Uint8Array, padding: number): Uint8Array {
  const pragma = Uint8Array.from([0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02])
  const header = Buffer.alloc(40)
  const dataOffset = pragma.byteLength + header.byteLength + padding
  header.writeBigUInt64LE(BigInt(dataOffset), 16)
  header.writeBigUInt64LE(BigInt(v1.byteLength), 24)
  header.writeBigUInt64LE(0n, 32)
  return Buffer.concat([pragma, header, Buffer.alloc(padding), v1])
}

test('a CAR streamed in chunks of every size, v1 and v2, imports every block exactly', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const blocks = [1, 200, 70 * 1024, 300 * 1024 + 3, 5, 1024 * 1024].map(size => randomBytes(size))
  const { car, cids } = await carOf(blocks)
  for (const sizes of [[3, 1000, 17], [64 * 1024], [4 * 1024 * 1024]]) {
    for (const bytes of [car, carV2(car, 300)]) {
      const result = await importCar(node, chunksOf(bytes, sizes))
      t.is(result.blocks, blocks.length)
      t.deepEqual(result.roots.map(String), [cids[0]?.toString()])
    }
  }
  for (const [i, cid] of cids.entries()) t.deepEqual(Buffer.from(await readBlock(node, cid)), blocks[i])
})

test('a block whose bytes do not match its CID is refused, and is not written', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const blocks = [randomBytes(100 * 1024), randomBytes(100 * 1024), randomBytes(100 * 1024)]
  const { car, cids } = await carOf(blocks)
  const bad = Buffer.from(car)
  const at = bad.indexOf(blocks[1] as Uint8Array)
  bad.writeUInt8((bad[at + 10] as number) ^ 1, at + 10)
  await t.throwsAsync(importCar(node, chunksOf(bad, [4096])), { code: 'ERR_INVALID_CAR', message: new RegExp(`block ${(cids[1] as CID).toString()}`) })
  t.false(await node.helia.blockstore.has(cids[1] as CID))
})
