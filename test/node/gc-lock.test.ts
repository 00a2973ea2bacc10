import test from 'ava'
import { createReadStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { importCar } from '../../node/car/car-import.js'
import { dagImport } from '../../node/commands/dag.js'
import { pinAdd } from '../../node/commands/pin.js'
import { collectGarbage, type GcRemoval } from '../../node/pins/gc.js'
import { verifyPins } from '../../node/pins/pins.js'
import { fixturePath, tempNode } from '../helpers/fixtures.js'
import { pbBlock, rawBlock, type TestBlock } from '../helpers/hostile-dags.js'
import { connectNodes, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import type { CairnNode } from '../../node/node.js'
import type { GcLockState } from '../../node/pins/gc-lock.js'

const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')

async function gcAll (node: CairnNode): Promise<GcRemoval[]> {
  const removed: GcRemoval[] = []
  for await (const removal of collectGarbage(node)) removed.push(removal)
  return removed
}

async function drain (values: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of values);
}

/** Starts GC and returns it once it waits for the lock (the lock's state says so, no timer). */
async function gcWaitingBehind (node: CairnNode): Promise<{ gc: Promise<GcRemoval[]>, state: GcLockState }> {
  const gc = gcAll(node)
  await waitFor(() => node.gcLock.state().waiting === 1, 10_000, 10)
  return { gc, state: node.gcLock.state() }
}

test('GC waits for a dag import command that has written blocks but not pinned its roots yet', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const car = await readFile(dirCar)
  let letRest!: () => void
  const rest = new Promise<void>(resolve => { letRest = resolve })
  async function * content (): AsyncGenerator<Uint8Array> {
    yield car.subarray(0, car.length >> 1)
    await rest
    yield car.subarray(car.length >> 1)
  }
  const importing = drain(dagImport.run({ node, signal: AbortSignal.timeout(60_000) }, { args: [], options: {}, inputs: (async function * () { yield { path: 'dir.car', content: content() } })() }))
  // the import holds the lock shared from its start, and has written its first blocks
  await waitFor(() => node.gcLock.state().shared === 1, 10_000, 10)
  const { gc, state } = await gcWaitingBehind(node)
  t.deepEqual(state, { shared: 1, exclusive: false, waiting: 1 }, 'GC waits while the import holds the lock')
  letRest()
  await importing
  t.deepEqual(await gc, [], 'nothing is garbage once the root is pinned')
  let verified = 0
  for await (const result of verifyPins(node)) { t.true(result.Ok); verified++ }
  t.is(verified, 1)
})

test('GC waits for a pin add command still fetching a block of the DAG', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '1m' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [reader, holder] = nodes as [TestNode, TestNode]
  const node = reader.node
  const leaf = await rawBlock(new TextEncoder().encode('fetched later'))
  const root = await pbBlock({ Data: new Uint8Array([8, 1]), Links: [{ Hash: leaf.cid, Name: 'leaf', Tsize: leaf.bytes.length }] })
  await node.repo.blockstore.put(root.cid, root.bytes)
  await holder.node.repo.blockstore.put(leaf.cid, leaf.bytes)
  // no peer yet: the walk waits for the leaf with the lock held
  const pinning = drain(pinAdd.run({ node, signal: AbortSignal.timeout(60_000) }, { args: [root.cid.toString()], options: {} }))
  await waitFor(() => node.gcLock.state().shared === 1, 10_000, 10)
  const { gc, state } = await gcWaitingBehind(node)
  t.deepEqual(state, { shared: 1, exclusive: false, waiting: 1 }, 'GC waits while pin add walks')
  // the leaf arrives from a peer: the pin completes, then GC runs
  await connectNodes(reader, holder)
  await pinning
  t.deepEqual(await gc, [], 'GC ran after the pin and kept both blocks')
  t.true(await node.repo.blockstore.has(root.cid))
  t.true(await node.repo.blockstore.has(leaf.cid))
})

test('without the lock, GC between writing blocks and pinning them would take the blocks', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const { blocks } = await importCar(node, createReadStream(dirCar))
  t.is(blocks, 9)
  const removed = await gcAll(node)
  t.is(removed.filter(r => r.kind === 'block').length, 9)
})

test('GC removes the fetched blocks still being written as it starts, and breaks none of the writes it meets', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const blockstore = node.repo.blockstore
  // a fetched block is written outside GC's locks while its reader goes on (networkFetch)
  const before = await Promise.all(Array.from({ length: 200 }, async () => await rawBlock(randomBytes(64 * 1024))))
  const beforeWrites = before.map(async b => await blockstore.put(b.cid, b.bytes))
  const collected = new AbortController()
  const during: TestBlock[] = []
  const duringWrites: Array<Promise<unknown>> = []
  const writer = (async () => {
    while (!collected.signal.aborted) {
      const b = await rawBlock(randomBytes(64 * 1024))
      during.push(b)
      duringWrites.push(blockstore.put(b.cid, b.bytes))
      await nextTurn()
    }
  })()
  const removed = new Set((await gcAll(node)).flatMap(r => r.kind === 'block' ? [r.cid.toString()] : []))
  collected.abort()
  await writer
  await Promise.all([...beforeWrites, ...duringWrites])
  t.true(before.every(b => removed.has(b.cid.toString())), 'every block being written as GC started is listed and removed')
  for (const b of before) t.false(await blockstore.has(b.cid))
  t.true(during.length > 0)
  for (const b of during) t.is(await blockstore.has(b.cid), !removed.has(b.cid.toString()), 'a block written during GC is whole on disk unless GC removed it')
})
