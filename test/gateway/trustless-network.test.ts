import test from 'ava'
import { randomBytes } from 'node:crypto'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { linksOf } from '../../node/dag/links.js'
import { startGateway } from '../../gateway/server.js'
import { blocksVerify, parseCar } from '../helpers/car.js'
import { connectNodes, startNode, type TestNode } from '../helpers/nodes.js'

// an online gateway node and a second node that holds the content, on loopback
let gateway: TestNode
let holder: TestNode
let url: string
let closeGateway: () => Promise<void>

test.before(async () => {
  gateway = await startNode({ configure: c => { c.Gateway.RetrievalTimeout = '20s' } })
  holder = await startNode()
  const running = await startGateway(gateway.node, '/ip4/127.0.0.1/tcp/0')
  url = running.url
  closeGateway = running.close
  await connectNodes(gateway, holder)
})
test.after.always(async () => {
  await closeGateway?.()
  await gateway?.stop()
  await holder?.stop()
})

test.serial('a CAR of content held by another node is fetched over bitswap, streamed and complete', async t => {
  const data = randomBytes(600_000)
  const cid = await holder.node.fs.addBytes(data, { chunker: fixedSize({ chunkSize: 50_000 }), rawLeaves: true })
  const res = await fetch(`${url}/ipfs/${cid.toString()}?format=car`)
  t.is(res.status, 200)
  const car = await parseCar(new Uint8Array(await res.arrayBuffer()))
  t.true(await blocksVerify(car))
  t.is(car.cids[0], cid.toString())
  t.is(car.cids.length, 1 + 12)
  // the leaves, in order, are the file
  t.true(Buffer.concat(car.blocks.slice(1).map(b => b.bytes)).equals(data))
})

test.serial('entity-bytes over the network fetches only the blocks the range needs', async t => {
  const data = randomBytes(500_000)
  const cid = await holder.node.fs.addBytes(data, { chunker: fixedSize({ chunkSize: 50_000 }), rawLeaves: true })
  const res = await fetch(`${url}/ipfs/${cid.toString()}?format=car&entity-bytes=120000:160000`)
  t.is(res.status, 200)
  const car = await parseCar(new Uint8Array(await res.arrayBuffer()))
  const leaves = linksOf(cid, car.blocks[0]?.bytes ?? new Uint8Array())
  // bytes 120000-160000 lie in the third and fourth 50 kB chunks
  t.deepEqual(car.cids, [cid.toString(), leaves[2]?.toString(), leaves[3]?.toString()])
  // and the gateway node fetched nothing else
  const held = await Promise.all(leaves.map(async leaf => await gateway.node.repo.blockstore.has(leaf)))
  t.deepEqual(held, leaves.map((_, i) => i === 2 || i === 3))
})

test.serial('a raw block from another node, and only-if-cached for a block the gateway lacks is 412', async t => {
  const data = randomBytes(1000)
  const cid = await holder.node.fs.addBytes(data, { rawLeaves: true })
  const missing = await fetch(`${url}/ipfs/${cid.toString()}?format=raw`, { headers: { 'Cache-Control': 'only-if-cached' } })
  t.is(missing.status, 412)
  const res = await fetch(`${url}/ipfs/${cid.toString()}?format=raw`)
  t.is(res.status, 200)
  t.true(Buffer.from(await res.arrayBuffer()).equals(data))
  t.is((await fetch(`${url}/ipfs/${cid.toString()}?format=raw`, { headers: { 'Cache-Control': 'only-if-cached' } })).status, 200)
})
