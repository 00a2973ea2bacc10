import test from 'ava'
import { randomBytes } from 'node:crypto'
import { statsProvide } from '../../node/commands/stats.js'
import { routingFindProvs, routingProvide } from '../../node/commands/routing.js'
import { strategyCids, type ProvideStrategy } from '../../node/network/reprovider.js'
import { connectNodes, startNode, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024
const key = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')

async function collect (node: TestNode, strategy: ProvideStrategy): Promise<string[]> {
  const out: string[] = []
  for await (const cid of strategyCids(node.node.helia, node.node.repo.blockstore, strategy)) out.push(key(cid))
  return out.sort()
}

test('provide strategies: all = every block, pinned = pinned DAGs, roots = pin roots', async t => {
  const node = await startNode()
  t.teardown(node.stop)
  const pinned = await node.node.fs.addBytes(randomBytes(3 * MiB))
  for await (const _ of node.node.helia.pins.add(pinned)) { /* walk */ }
  const loose = await node.node.fs.addBytes(randomBytes(1000))
  const dagBlocks: string[] = []
  for await (const { cid } of node.node.repo.blockstore.getAll()) dagBlocks.push(key(cid))
  t.is(dagBlocks.length, 5, 'root + 3 leaves of the pinned file, and the loose block')

  t.deepEqual(await collect(node, 'all'), dagBlocks.sort())
  const pinnedBlocks = await collect(node, 'pinned')
  t.is(pinnedBlocks.length, 4)
  t.false(pinnedBlocks.includes(key(loose)))
  t.true(pinnedBlocks.includes(key(pinned)))
  t.deepEqual(await collect(node, 'roots'), [key(pinned)])
})

test('announce returns at once and the queue provides every block of the DAG in the background', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(a, b)
  const cid = await a.node.fs.addBytes(randomBytes(3 * MiB))
  await a.node.announce([cid])
  // announce returned before anything reached the DHT
  t.is(a.node.network?.provideStats().provided, 0, 'announce does not wait for the DHT')
  const stats = await waitFor(() => {
    const s = a.node.network?.provideStats()
    return s != null && s.provided >= 4 && s.queued === 0 ? s : undefined
  }, 30_000)
  t.log(`4 blocks provided, ${stats.avgProvideMs} ms per provide on average`)
  const [shown] = await (async () => {
    const out = []
    for await (const v of statsProvide.run({ node: a.node, signal: AbortSignal.timeout(5_000) }, { args: [], options: {} })) out.push(v)
    return out
  })()
  t.true((shown?.TotalProvides ?? 0) >= 4)
  t.is(shown?.Strategy, 'all')
  t.regex(statsProvide.text(shown as NonNullable<typeof shown>, {}) ?? '', /TotalProvides:\s+\d+/)
})

test('the reprovider sweeps on Provide.Interval and counts what it queued', async t => {
  const node = await startNode({ configure: c => { c.Provide.Interval = '1s'; c.Provide.Strategy = 'roots' }, initialReprovideDelay: 100 })
  t.teardown(node.stop)
  const cid = await node.node.fs.addBytes(randomBytes(1000))
  for await (const _ of node.node.helia.pins.add(cid)) { /* walk */ }
  const stats = await waitFor(() => {
    const s = node.node.network?.provideStats()
    return s != null && s.sweeps >= 2 ? s : undefined
  }, 20_000)
  t.is(stats.lastSweepCids, 1)
  t.truthy(stats.lastSweepAt)
  t.true((stats.nextSweepAt?.getTime() ?? 0) > (stats.lastSweepAt?.getTime() ?? Infinity))
})

test('the first sweep after a start leaves out what was announced since; the next sweep announces it again', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Provide.Interval = '3s' }, initialReprovideDelay: 1_500 })
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(a, b)
  const announced = await a.node.fs.addBytes(randomBytes(1000))
  await a.node.fs.addBytes(randomBytes(1000)) // stored, never announced
  await a.node.announce([announced])
  await waitFor(() => (a.node.network?.provideStats().provided ?? 0) >= 1)
  let blocks = 0
  for await (const _ of a.node.repo.blockstore.getAll()) blocks++
  const first = await waitFor(() => { const s = a.node.network?.provideStats(); return s != null && s.sweeps >= 1 ? s : undefined })
  t.is(first.lastSweepCids, blocks - 1, 'the block announced seconds before was left out')
  const second = await waitFor(() => { const s = a.node.network?.provideStats(); return s != null && s.sweeps >= 2 ? s : undefined })
  t.is(second.lastSweepCids, blocks, 'the next sweep announces every block')
})

test('Provide.Interval 0s turns the sweeps off, as in Kubo; announcing goes on', async t => {
  const node = await startNode({ configure: c => { c.Provide.Interval = '0s' }, initialReprovideDelay: 50 })
  t.teardown(node.stop)
  await node.node.fs.addBytes(randomBytes(100))
  await new Promise(resolve => setTimeout(resolve, 500))
  const stats = node.node.network?.provideStats()
  t.is(stats?.sweeps, 0)
  t.is(stats?.nextSweepAt, undefined)
  t.true(stats?.enabled)
})

test('routing provide refuses a CID that is not local', async t => {
  const node = await startNode()
  t.teardown(node.stop)
  const err = await t.throwsAsync(async () => {
    for await (const _ of routingProvide.run({ node: node.node, signal: AbortSignal.timeout(5_000) }, { args: ['bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], options: {} })) { /* drain */ }
  })
  t.is((err as { code?: string }).code, 'ERR_NOT_FOUND')
})

test('findprovs and provide on a node without peers fail at once with ERR_OFFLINE instead of waiting', async t => {
  const node = await startNode()
  t.teardown(node.stop)
  const cid = await node.node.fs.addBytes(randomBytes(100))
  for (const command of [routingFindProvs, routingProvide]) {
    // a command that waited would end with ERR_TIMEOUT when its signal fires
    const err = await t.throwsAsync(async () => {
      for await (const _ of command.run({ node: node.node, signal: AbortSignal.timeout(60_000) }, { args: [cid.toString()], options: {} })) { /* drain */ }
    })
    t.is((err as { code?: string }).code, 'ERR_OFFLINE')
  }
})

test('announces made without peers wait in the queue and go out once a peer connects', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  const cid = await a.node.fs.addBytes(randomBytes(100))
  await a.node.announce([cid])
  const waiting = await waitFor(() => {
    const stats = a.node.network?.provideStats()
    return stats?.waitingUntilReady === true ? stats : undefined
  })
  t.is(waiting?.provided, 0)
  t.is(waiting?.failed, 0, 'nothing was tried against an empty DHT')
  t.is(waiting?.queued, 1)
  await connectNodes(a, b)
  await waitFor(() => (a.node.network?.provideStats().provided ?? 0) >= 1, 20_000)
  t.is(a.node.network?.provideStats().queued, 0)
})

test('under pinned and roots, announce skips unpinned content; pinned DAGs go out whole or by root', async t => {
  for (const [strategy, expected] of [['pinned', 4], ['roots', 1]] as const) {
    // no peers: what announce queues stays in the queue, where it can be counted
    const node = await startNode({ configure: c => { c.Provide.Strategy = strategy } })
    t.teardown(node.stop)
    const loose = await node.node.fs.addBytes(randomBytes(2000))
    await node.node.announce([loose])
    const pinned = await node.node.fs.addBytes(randomBytes(3 * MiB))
    for await (const _ of node.node.helia.pins.add(pinned)) { /* walk */ }
    await node.node.announce([pinned])
    await node.node.network?.announcesQueued()
    t.is(node.node.network?.provideStats().queued, expected, strategy)
  }
})

test('Provide.Enabled false: announce queues nothing and the node does not list itself as a provider', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Provide.Enabled = false } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(a, b)
  const cid = await a.node.fs.addBytes(randomBytes(3 * MiB))
  await a.node.announce([cid])
  await a.node.network?.announcesQueued()
  const stats = a.node.network?.provideStats()
  t.is(stats?.enabled, false)
  t.is(stats?.queued, 0)
  t.is(stats?.provided, 0)
  // and b, asking the DHT, finds no provider record for it
  const found: string[] = []
  for await (const p of routingFindProvs.run({ node: b.node, signal: AbortSignal.timeout(30_000) }, { args: [cid.toString()], options: {} })) found.push(p.ID)
  t.deepEqual(found, [])
})
