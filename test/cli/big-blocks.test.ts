import test from 'ava'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { BLOCK_SIZE_LIMIT } from '../../node/blocks.js'
import { importCar } from '../../node/car/car-import.js'
import { BlockTooBigError, InvalidCarError } from '../../node/errors.js'
import { tempNode } from '../helpers/fixtures.js'
import { carBytes, pbBlock, rawBlock, varint, type TestBlock } from '../helpers/hostile-dags.js'
import { cliText, repoAndFolder, runCli } from '../helpers/cli.js'
import { multipart, startRpcNode } from '../helpers/rpc.js'

/** `n` bytes that are not all alike. */
function bytesOf (n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

const tooBig = bytesOf(BLOCK_SIZE_LIMIT + 1)
const justRight = bytesOf(BLOCK_SIZE_LIMIT, 2)

async function rawCid (bytes: Uint8Array): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(bytes)).toString()
}

/** A CAR with a small block, then the big one, rooted at the big one. */
async function carWithBigBlock (): Promise<{ car: Uint8Array, small: TestBlock, big: TestBlock }> {
  const small = await rawBlock(new TextEncoder().encode('small'))
  const big = await rawBlock(tooBig)
  return { car: await carBytes([big.cid, small.cid], [small, big]), small, big }
}

const tooBigLine = /^Error: .*block .* is 2097153 bytes, over the 2 MiB block limit .*--allow-big-block\n$/

test('block put refuses a block of 2 MiB + 1 with one line and exit 1, takes 2 MiB exactly, and the big one with --allow-big-block', async t => {
  const { repo, dir: folder } = await repoAndFolder(t)
  const big = join(folder, 'big')
  const exact = join(folder, 'exact')
  await writeFile(big, tooBig)
  await writeFile(exact, justRight)
  const refused = await runCli(['block', 'put', big], { repo })
  t.is(refused.code, 1)
  t.regex(refused.stderr, tooBigLine)
  t.regex(await cliText(['repo', 'stat'], { repo }), /NumObjects: 0\n/)
  t.is(await cliText(['block', 'put', exact], { repo }), `${await rawCid(justRight)}\n`)
  t.is(await cliText(['block', 'put', '--allow-big-block', big], { repo }), `${await rawCid(tooBig)}\n`)
  t.true((await runCli(['cat', await rawCid(tooBig)], { repo })).stdout.equals(tooBig))
})

test('dag import refuses a CAR holding a block of 2 MiB + 1 and pins nothing; --allow-big-block imports and pins it', async t => {
  const { repo, dir: folder } = await repoAndFolder(t)
  const { car, big, small } = await carWithBigBlock()
  const file = join(folder, 'big.car')
  await writeFile(file, car)
  const refused = await runCli(['dag', 'import', file], { repo })
  t.is(refused.code, 1)
  t.regex(refused.stderr, tooBigLine)
  t.is(await cliText(['pin', 'ls'], { repo }), '')
  // the blocks before the big one stay (as in Kubo), unpinned, and the repo is sound
  t.regex(await cliText(['repo', 'verify'], { repo }), /all blocks validated/)
  const out = await cliText(['dag', 'import', '--allow-big-block', file], { repo })
  t.is(out, `Pinned root\t${big.cid.toString()}\tsuccess\nPinned root\t${small.cid.toString()}\tsuccess\n`)
})

test('over RPC, block/put and dag/import refuse a 2 MiB + 1 block with 400 ERR_BLOCK_TOO_BIG unless allow-big-block=true', async t => {
  const rpc = await startRpcNode()
  t.teardown(async () => await rpc.stop())
  const block = multipart([{ name: 'big', content: Buffer.from(tooBig) }])
  const refused = await rpc.post('block/put', [], { body: block.body, headers: { 'content-type': block.type } })
  t.is(refused.status, 400)
  const error = await refused.json() as { CairnCode: string, Message: string }
  t.is(error.CairnCode, 'ERR_BLOCK_TOO_BIG')
  t.notRegex(error.Message, /\n/)
  const taken = await rpc.post('block/put', [['allow-big-block', 'true']], { body: block.body, headers: { 'content-type': block.type } })
  t.is(taken.status, 200)
  t.deepEqual(JSON.parse(await taken.text()), { Key: await rawCid(tooBig), Size: tooBig.byteLength })

  const { car, big } = await carWithBigBlock()
  const upload = multipart([{ name: 'big.car', content: Buffer.from(car) }])
  const carRefused = await rpc.post('dag/import', [], { body: upload.body, headers: { 'content-type': upload.type } })
  t.is(carRefused.status, 400)
  t.is((await carRefused.json() as { CairnCode: string }).CairnCode, 'ERR_BLOCK_TOO_BIG')
  t.false(await rpc.node.helia.pins.isPinned(big.cid))
  const carTaken = await rpc.post('dag/import', [['allow-big-block', 'true']], { body: upload.body, headers: { 'content-type': upload.type } })
  t.is(carTaken.status, 200)
  t.true(await rpc.node.helia.pins.isPinned(big.cid))
})

/** A source that yields a CAR's first bytes, then zeros forever, counting what was pulled. */
function endless (head: Uint8Array): { source: AsyncIterable<Uint8Array>, pulled: () => number } {
  let pulled = 0
  const zeros = new Uint8Array(64 * 1024)
  return {
    pulled: () => pulled,
    source: (async function * () {
      pulled += head.byteLength
      yield head
      while (true) {
        pulled += zeros.byteLength
        yield zeros
      }
    })()
  }
}

test.serial('a CAR section or header claiming a huge length is refused before it is buffered', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const small = await rawBlock(new TextEncoder().encode('x'))
  const header = await carBytes([small.cid], [])
  const huge = 2 ** 40
  // a section claiming 2^40 bytes, with a real CID, then an endless stream
  const section = endless(Buffer.concat([header, Buffer.from(varint(huge)), small.cid.bytes]))
  await t.throwsAsync(importCar(node, section.source), { instanceOf: BlockTooBigError })
  t.true(section.pulled() < 4 * 1024 * 1024, `${section.pulled()} bytes pulled`)
  const allowed = endless(Buffer.concat([header, Buffer.from(varint(huge)), small.cid.bytes]))
  await t.throwsAsync(importCar(node, allowed.source, { allowBigBlock: true }), { instanceOf: BlockTooBigError })
  t.true(allowed.pulled() < 4 * 1024 * 1024, `${allowed.pulled()} bytes pulled`)
  // a header claiming 2^40 bytes
  const bigHeader = endless(Buffer.from(varint(huge)))
  await t.throwsAsync(importCar(node, bigHeader.source), { instanceOf: InvalidCarError })
  t.true(bigHeader.pulled() < 4 * 1024 * 1024, `${bigHeader.pulled()} bytes pulled`)
})

test.serial('a 24 MiB dag-pb block imported with --allow-big-block is pinned and read back whole', async t => {
  const rpc = await startRpcNode()
  t.teardown(async () => await rpc.stop())
  const data = bytesOf(24 * 1024 * 1024, 3)
  const block = await pbBlock({ Data: new UnixFS({ type: 'file', data }).marshal(), Links: [] })
  const upload = multipart([{ name: 'huge.car', content: Buffer.from(await carBytes([block.cid], [block])) }])
  const started = performance.now()
  const res = await rpc.post('dag/import', [['allow-big-block', 'true']], { body: upload.body, headers: { 'content-type': upload.type } })
  t.is(res.status, 200, await res.clone().text())
  t.log(`import and pin of a 24 MiB block: ${Math.round(performance.now() - started)} ms`)
  t.true(await rpc.node.helia.pins.isPinned(block.cid))
  const read = performance.now()
  const cat = await rpc.post('cat', [['arg', block.cid.toString()]])
  t.is(cat.status, 200)
  t.true(Buffer.from(await cat.arrayBuffer()).equals(data))
  t.log(`cat of it: ${Math.round(performance.now() - read)} ms`)
})
