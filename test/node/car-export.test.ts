import test from 'ava'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { exportCar, resolveEntityBytes, type CarExportOptions } from '../../node/car/car-export.js'
import { linksOf } from '../../node/dag/links.js'
import { BlockNotLocalError, NotFoundError } from '../../node/errors.js'
import { blocksVerify, parseCar } from '../helpers/car.js'
import { fixturePath, importFixture, tempNode } from '../helpers/fixtures.js'
import { multiblock, multiblockLeaves } from '../fixtures/conformance-cids.js'
import type { CairnNode } from '../../node/node.js'

async function car (node: CairnNode, root: CID, options?: CarExportOptions): ReturnType<typeof parseCar> {
  return await parseCar(exportCar(node, root, options))
}

async function putBlock (node: CairnNode, codec: { code: number, encode: (v: any) => Uint8Array }, value: unknown): Promise<CID> {
  const bytes = codec.encode(value)
  const cid = CID.createV1(codec.code, await sha256.digest(bytes))
  await node.helia.blockstore.put(cid, bytes)
  return cid
}

test('a multi-block file exports as a CARv1 that holds every block once, parents first, and re-imports to the same bytes', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const data = randomBytes(300_000)
  const root = await node.fs.addBytes(data, { chunker: fixedSize({ chunkSize: 10_000 }), layout: balanced({ maxChildrenPerNode: 5 }), rawLeaves: true })
  const parsed = await car(node, root)
  t.deepEqual(parsed.roots, [root.toString()])
  t.is(parsed.cids[0], root.toString())
  t.is(new Set(parsed.cids).size, parsed.cids.length)
  t.true(await blocksVerify(parsed))
  // every block appears after the block that links to it (depth-first from the root)
  const position = new Map(parsed.cids.map((c, i) => [c, i]))
  for (const { cid, bytes } of parsed.blocks) {
    for (const link of linksOf(cid, bytes)) {
      t.true((position.get(link.toString()) ?? -1) > (position.get(cid.toString()) ?? Infinity))
    }
  }
  t.true(parsed.cids.length > 30 + 6)

  const other = await tempNode()
  t.teardown(other.cleanup)
  for (const { cid, bytes } of parsed.blocks) await other.node.helia.blockstore.put(cid, bytes)
  const chunks: Uint8Array[] = []
  for await (const chunk of other.node.fs.cat(root, { offline: true })) chunks.push(chunk)
  t.true(Buffer.concat(chunks).equals(data))
})

test('dups: a directory with two identical files has its shared blocks once by default and twice with dups', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/dir-with-duplicate-files.car')
  const ascii = 'bafkreifkam6ns4aoolg3wedr4uzrs3kvq66p4pecirz6y2vlrngla62mxm'
  const hello = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
  t.deepEqual((await car(node, root)).cids, [root.toString(), ascii, hello, multiblock, ...multiblockLeaves])
  t.deepEqual((await car(node, root, { dups: true })).cids, [root.toString(), ascii, ascii, hello, multiblock, ...multiblockLeaves])
})

test('path: the blocks that resolve the path come first, then the scope below its end', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
  const subdir = 'bafybeicnmple4ehlz3ostv2sbojz3zhh5q7tz5r2qkfdpqfilgggeen7xm'
  const path = ['subdir', 'multiblock.txt']
  t.deepEqual((await car(node, root, { path })).cids, [root.toString(), subdir, multiblock, ...multiblockLeaves])
  t.deepEqual((await car(node, root, { path, dagScope: 'block' })).cids, [root.toString(), subdir, multiblock])
  t.deepEqual((await car(node, root, { path: ['subdir'], dagScope: 'entity' })).cids, [root.toString(), subdir])
  t.is((await car(node, root, { path: ['subdir'], dagScope: 'all' })).cids.length, 2 + 2 + 1 + 5)
  // the header names the request root, not the end of the path
  t.deepEqual((await car(node, root, { path })).roots, [root.toString()])
})

test('entity-bytes: only the blocks a byte range of a file needs, with negative offsets and *', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  await importFixture(node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
  const file = CID.parse(multiblock)
  const range = async (from: number, to: number | '*'): Promise<string[]> => (await car(node, file, { dagScope: 'entity', entityBytes: { from, to } })).cids
  t.deepEqual(await range(0, '*'), [multiblock, ...multiblockLeaves])
  t.deepEqual(await range(512, '*'), [multiblock, ...multiblockLeaves.slice(2)])
  t.deepEqual(await range(512, 1023), [multiblock, ...multiblockLeaves.slice(2, 4)])
  t.deepEqual(await range(512, -256), [multiblock, ...multiblockLeaves.slice(2, 4)])
  t.deepEqual(await range(-5, '*'), [multiblock, ...multiblockLeaves.slice(3)])
  t.deepEqual(await range(-9999, '*'), [multiblock, ...multiblockLeaves])
  t.deepEqual(await range(-9999, -3), [multiblock, ...multiblockLeaves.slice(0, 4)])
  t.deepEqual(await range(0, 0), [multiblock, multiblockLeaves[0]])
  // outside the file or empty: the root block alone
  t.deepEqual(await range(5000, '*'), [multiblock])
  t.deepEqual(await range(600, 100), [multiblock])
})

test('resolveEntityBytes clamps to the file and reports empty ranges', t => {
  t.deepEqual(resolveEntityBytes({ from: 0, to: '*' }, 10), [0, 9])
  t.deepEqual(resolveEntityBytes({ from: -3, to: '*' }, 10), [7, 9])
  t.deepEqual(resolveEntityBytes({ from: 2, to: -2 }, 10), [2, 8])
  t.deepEqual(resolveEntityBytes({ from: 2, to: 100 }, 10), [2, 9])
  t.is(resolveEntityBytes({ from: 10, to: '*' }, 10), undefined)
  t.is(resolveEntityBytes({ from: 0, to: '*' }, 0), undefined)
})

test('entity-bytes succeeds around a missing block; the full file stream throws when it reaches the gap', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car')
  t.deepEqual((await car(node, root, { entityBytes: { from: 0, to: 1000 } })).cids, [root.toString(), 'QmPKt7ptM2ZYSGPUc8PmPT2VBkLDK3iqpG9TBJY7PCE9rF'])
  t.deepEqual((await car(node, root, { entityBytes: { from: 2200, to: '*' } })).cids, [root.toString(), 'QmWXY482zQdwecnfBsj78poUUuPXvyw2JAFAEMw4tzTavV'])
  const chunks: Uint8Array[] = []
  const error = await t.throwsAsync(async () => {
    for await (const chunk of exportCar(node, root)) chunks.push(chunk)
  })
  t.true(error instanceof BlockNotLocalError)
  // the header and the blocks before the gap were streamed before the error
  t.true(chunks.length >= 1 + 2 * 2)
})

test('a HAMT-sharded directory: entity scope is every shard and no entry; a path loads only the shards on its way', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/single-layer-hamt-with-multi-block-files.car')
  const rootBlock = await node.helia.blockstore.get(root)
  const chunks: Uint8Array[] = []
  for await (const piece of rootBlock) chunks.push(piece)
  const shardLinks = dagPb.decode(Buffer.concat(chunks)).Links.filter(link => link.Name?.length === 2).map(link => link.Hash)
  t.true(shardLinks.length > 0)
  const entity = await car(node, root, { dagScope: 'entity' })
  // every shard of the fixture (sub-shards of sub-shards too) and nothing else, root first
  const fixture = await parseCar(createReadStream(fixturePath('trustless_gateway_car/single-layer-hamt-with-multi-block-files.car')))
  const isShard = (bytes: Uint8Array): boolean => {
    const data = dagPb.decode(bytes).Data
    return data != null && UnixFS.unmarshal(data).type === 'hamt-sharded-directory'
  }
  const shards = fixture.blocks.filter(b => b.cid.code === dagPb.code && isShard(b.bytes)).map(b => b.cid.toString())
  t.is(entity.cids[0], root.toString())
  t.deepEqual([...entity.cids].sort(), [...shards].sort())
  for (const link of shardLinks) t.true(entity.cids.includes(link.toString()))
  const toFile = await car(node, root, { path: ['685.txt'] })
  // root shard, one sub-shard, the file root and its leaves
  t.is(toFile.cids[0], root.toString())
  t.true(shardLinks.some(s => s.toString() === toFile.cids[1]))
  t.deepEqual(toFile.cids.slice(2), [multiblock, ...multiblockLeaves])
  const blockOnly = await car(node, root, { path: ['1.txt'], dagScope: 'block' })
  t.is(blockOnly.cids.length, 3)
})

test('dag-cbor and dag-json: all follows links across codecs, entity is the block, paths cross documents', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const leaf = await putBlock(node, raw, new TextEncoder().encode('leaf'))
  const json = await putBlock(node, dagJson, { leaf, n: 1 })
  const cbor = await putBlock(node, dagCbor, { child: { deep: json }, list: [leaf] })
  // dag-cbor sorts map keys by length: "list" comes before "child" in the block
  t.deepEqual((await car(node, cbor)).cids, [cbor, leaf, json].map(String))
  t.deepEqual((await car(node, json)).cids, [json, leaf].map(String))
  t.deepEqual((await car(node, cbor, { dagScope: 'entity' })).cids, [cbor.toString()])
  t.deepEqual((await car(node, cbor, { path: ['child', 'deep', 'leaf'] })).cids, [cbor, json, leaf].map(String))
  t.deepEqual((await car(node, cbor, { path: ['child', 'deep'], dagScope: 'block' })).cids, [cbor, json].map(String))
  await t.throwsAsync(async () => await car(node, cbor, { path: ['nope'] }))
})

test('the empty identity CID exports as a header with no blocks', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const probe = CID.parse('bafkqaaa')
  const parsed = await car(node, probe)
  t.deepEqual(parsed.roots, ['bafkqaaa'])
  t.deepEqual(parsed.cids, [])
  const inline = CID.parse('bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa')
  t.deepEqual((await car(node, inline, { dups: true })).cids, [])
})

test('errors before the header: a missing path answers NotFoundError, a missing root BlockNotLocalError', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/subdir-with-two-single-block-files.car')
  const chunks: Uint8Array[] = []
  await t.throwsAsync(async () => {
    for await (const chunk of exportCar(node, root, { path: ['subdir', 'i-do-not-exist'] })) chunks.push(chunk)
  }, { instanceOf: NotFoundError })
  const absent = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('absent')))
  await t.throwsAsync(async () => {
    for await (const chunk of exportCar(node, absent)) chunks.push(chunk)
  }, { instanceOf: BlockNotLocalError })
  t.is(chunks.length, 0)
})

test('the CAR is streamed: blocks are read as the walk reaches them, a few ahead, not all upfront', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await node.fs.addBytes(randomBytes(400 * 1024), { chunker: fixedSize({ chunkSize: 1024 }), rawLeaves: true })
  let reads = 0
  const stream = exportCar(node, root, { refuse: () => { reads++ } })[Symbol.asyncIterator]()
  // header, then the first block's two chunks (length+CID, bytes)
  for (let i = 0; i < 3; i++) await stream.next()
  t.true(reads <= 12, `${reads} blocks read before the first was written`)
  let chunks = 3
  while (!(await stream.next()).done) chunks++
  t.true(reads >= 400)
  t.is(chunks, 1 + 2 * reads)
})

test('refuse stops the export: before the header for the root, mid-stream for a block below', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const root = await importFixture(node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
  const chunks: Uint8Array[] = []
  await t.throwsAsync(async () => {
    for await (const chunk of exportCar(node, root, { refuse: cid => { if (cid.equals(root)) throw new Error('blocked root') } })) chunks.push(chunk)
  }, { message: 'blocked root' })
  t.is(chunks.length, 0)
  await t.throwsAsync(async () => {
    for await (const chunk of exportCar(node, root, { refuse: cid => { if (cid.toString() === multiblockLeaves[2]) throw new Error('blocked leaf') } })) chunks.push(chunk)
  }, { message: 'blocked leaf' })
  t.true(chunks.length > 1)
})
