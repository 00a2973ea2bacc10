import test from 'ava'
import { CID } from 'multiformats/cid'
import { walkDag, type BlockSource } from '../../node/dag/walk.js'
import { BlockNotLocalError, InvalidDagError } from '../../node/errors.js'
import { addPin, verifyPins } from '../../node/pins/pins.js'
import { collectGarbage } from '../../node/pins/gc.js'
import { tempNode } from '../helpers/fixtures.js'
import { dagBomb, directoryChain, pbBlock, rawBlock, type TestBlock } from '../helpers/hostile-dags.js'

/** A source over blocks in memory that counts its reads. */
function memorySource (blocks: TestBlock[]): BlockSource & { gets: string[] } {
  const byCid = new Map(blocks.map(b => [b.cid.toString(), b.bytes]))
  const gets: string[] = []
  return {
    gets,
    has: async cid => byCid.has(cid.toString()),
    get: async cid => {
      gets.push(cid.toString())
      const bytes = byCid.get(cid.toString())
      if (bytes == null) throw new BlockNotLocalError(`${cid.toString()} missing`)
      return bytes
    }
  }
}

async function collect (walk: AsyncIterable<{ cid: CID }>): Promise<string[]> {
  const out: string[] = []
  for await (const { cid } of walk) out.push(cid.toString())
  return out
}

/** a → (b → d, c → d), d a raw leaf */
async function diamond (): Promise<Record<'a' | 'b' | 'c' | 'd', TestBlock>> {
  const d = await rawBlock(new TextEncoder().encode('d'))
  const b = await pbBlock({ Links: [{ Name: 'd', Hash: d.cid }] })
  const c = await pbBlock({ Data: new Uint8Array([8, 1]), Links: [{ Name: 'd', Hash: d.cid }] })
  const a = await pbBlock({ Links: [{ Name: 'b', Hash: b.cid }, { Name: 'c', Hash: c.cid }] })
  return { a, b, c, d }
}

test('a DAG bomb (3 levels of 1000 links to one child) is walked once per distinct block', async t => {
  const bomb = await dagBomb(3, 1000)
  const source = memorySource(bomb.blocks)
  const visited = await collect(walkDag(source, bomb.root))
  t.deepEqual(visited, bomb.blocks.map(b => b.cid.toString()))
  t.is(source.gets.length, 4)
})

test('a 20,000-deep chain is walked iteratively, every level once', async t => {
  const chain = await directoryChain(20_000)
  const visited = await collect(walkDag(memorySource(chain.blocks), chain.root))
  t.is(visited.length, 20_001)
  t.is(visited[20_000], chain.blocks[20_000]?.cid.toString())
})

test('depth-first is pre-order in link order, breadth-first level by level; depth bounds both', async t => {
  const { a, b, c, d } = await diamond()
  const source = memorySource([a, b, c, d])
  const name = (cids: string[]): string => cids.map(cid => ({ [a.cid.toString()]: 'a', [b.cid.toString()]: 'b', [c.cid.toString()]: 'c', [d.cid.toString()]: 'd' })[cid]).join('')
  t.is(name(await collect(walkDag(source, a.cid))), 'abdc')
  t.is(name(await collect(walkDag(source, a.cid, { order: 'breadth-first' }))), 'abcd')
  t.is(name(await collect(walkDag(source, a.cid, { depth: 1 }))), 'abc')
  t.is(name(await collect(walkDag(source, a.cid, { depth: 0 }))), 'a')
})

test('missing blocks: skip leaves them out, fail throws ERR_BLOCK_NOT_LOCAL, tolerant reports them', async t => {
  const { a, b, d } = await diamond()
  const source = memorySource([a, b, d])
  t.is((await collect(walkDag(source, a.cid, { missing: 'skip' }))).length, 3)
  await t.throwsAsync(collect(walkDag(source, a.cid)), { instanceOf: BlockNotLocalError })
  const errors: string[] = []
  for await (const block of walkDag(source, a.cid, { tolerant: true })) if (block.error != null) errors.push(block.error.name)
  t.deepEqual(errors, ['BlockNotLocalError'])
})

test('raw leaves are not read unless asked; a block that does not decode is ERR_INVALID_DAG', async t => {
  const { a, b, c, d } = await diamond()
  const source = memorySource([a, b, c, d])
  await collect(walkDag(source, a.cid, { readRawLeaves: false }))
  t.false(source.gets.includes(d.cid.toString()))
  const broken = { cid: CID.createV1(0x70, b.cid.multihash), bytes: new Uint8Array([0xff, 0xff]) }
  await t.throwsAsync(collect(walkDag(memorySource([broken]), broken.cid)), { instanceOf: InvalidDagError })
})

test.serial('pinning a DAG bomb reads each distinct block a bounded number of times, and GC keeps it', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const bomb = await dagBomb(3, 1000)
  for (const block of bomb.blocks) await node.repo.blockstore.put(block.cid, block.bytes)
  const store = node.repo.blockstore
  let gets = 0
  const get = store.get.bind(store)
  store.get = (...args: Parameters<typeof get>) => { gets++; return get(...args) }
  t.teardown(() => { store.get = get })
  await addPin(node, bomb.root, { recursive: true })
  t.true(gets <= 3 * bomb.blocks.length, `${gets} block reads`)
  for await (const removal of collectGarbage(node)) t.fail(`GC removed ${removal.kind}`)
  for await (const result of verifyPins(node)) t.true(result.Ok)
})

test.serial('pinning a 20,000-deep directory chain gives no MaxListenersExceededWarning', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const chain = await directoryChain(20_000)
  for (const block of chain.blocks) await node.repo.blockstore.put(block.cid, block.bytes)
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  // ~1 ms a level on a quiet machine (Helia records each pinned block in the datastore)
  await addPin(node, chain.root, { recursive: true })
  // warnings are emitted on the next tick
  await new Promise(resolve => setImmediate(resolve))
  t.deepEqual(warnings, [])
  t.true(await node.helia.pins.isPinned(chain.blocks[20_000]?.cid as CID))
})

test('links a source knows are followed without reading the block; a verifying walk reads it all the same', async t => {
  const { a, b, c, d } = await diamond()
  const source = { ...memorySource([a, b, c, d]), links: (cid: CID) => cid.equals(b.cid) ? [d.cid] : undefined }
  t.is((await collect(walkDag(source, a.cid))).length, 4)
  t.false(source.gets.includes(b.cid.toString()))
  t.true(source.gets.includes(c.cid.toString()))
  source.gets.length = 0
  await collect(walkDag(source, a.cid, { verify: true }))
  t.true(source.gets.includes(b.cid.toString()))
})
