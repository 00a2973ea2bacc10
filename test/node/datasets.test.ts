import test from 'ava'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { createOnlineNode } from '../../node/network/online-node.js'
import { openRepo } from '../../node/repo/repo.js'
import { storeBlocks } from '../../node/blocks.js'
import { walkDag } from '../../node/dag/walk.js'
import { blockKey } from '../../node/repo/block-files.js'
import { findCommand } from '../../node/commands/index.js'
import { startGateway } from '../../gateway/server.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { httpGet } from '../helpers/gateway.js'
import { tempDir } from '../helpers/cli.js'
import { connectNodes, initTestRepo, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import type { CairnNode } from '../../node/node.js'
import type { ValuesCommand } from '../../node/commands/command.js'
import type { Libp2p } from '@libp2p/interface'

/** 40 files of 64 KiB (2.5 MiB), each its own content; `changes` replaces or adds files. */
function files (changes: Record<string, Uint8Array> = {}): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  for (let i = 0; i < 40; i++) out.set(`f${String(i).padStart(2, '0')}.bin`, deterministicBytes(64 * 1024, i + 1))
  for (const [name, bytes] of Object.entries(changes)) out.set(name, bytes)
  return out
}

/** Adds the files as one directory on a node: its CID. */
async function addDataset (node: CairnNode, content: Map<string, Uint8Array>): Promise<CID> {
  let root: CID | undefined
  const entries = [...content].map(([name, bytes]) => ({ path: `data/${name}`, content: bytes }))
  for await (const entry of node.fs.addAll(entries, { wrapWithDirectory: false })) {
    if (entry.path === 'data') root = entry.cid
  }
  return root as CID
}

/** The walk keys of every block of a DAG held by a node. */
async function dagKeys (node: CairnNode, root: CID): Promise<Map<string, CID>> {
  const keys = new Map<string, CID>()
  for await (const block of walkDag(storeBlocks(node.repo.blockstore), root, { readRawLeaves: false })) keys.set(blockKey(block.cid.multihash), block.cid)
  return keys
}

/** Blocks received over bitswap, each counted once. */
function uniqueReceived (node: CairnNode): number {
  const stats = node.network?.bitswapStats()
  return (stats?.BlocksReceived ?? 0) - (stats?.DupBlksReceived ?? 0)
}

async function run<R> (node: CairnNode, path: string[], args: string[], options: Record<string, string | number | boolean> = {}): Promise<R[]> {
  const command = findCommand(path) as ValuesCommand<R>
  const out: R[] = []
  for await (const value of command.run({ node, signal: AbortSignal.timeout(60_000) }, { args, options })) out.push(value)
  return out
}

test.serial('A publishes, B and C follow; a changed file reaches both as the new version pinned, the old unpinned, and only the changed blocks fetched; status on A sees both', async t => {
  const nodes = await startNodes(3)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
  await connectNodes(b, a)
  await connectNodes(c, a)
  await connectNodes(b, c)

  const v1 = await addDataset(a.node, files())
  const published = await a.node.datasets.publish('climate', `/ipfs/${v1.toString()}`)
  t.is(published.cid, v1.toString())
  t.regex(published.ipnsName, /^k51/)
  t.true(await a.node.helia.pins.isPinned(v1))

  for (const follower of [b, c]) {
    await follower.node.datasets.follow(published.ipnsName, 'shared')
    const synced = await follower.node.datasets.sync('shared')
    t.is(synced.state, 'synced', synced.error)
    t.is(synced.cid, v1.toString())
  }
  const before = [uniqueReceived(b.node), uniqueReceived(c.node)]

  const v2 = await addDataset(a.node, files({ 'f07.bin': deterministicBytes(64 * 1024, 999) }))
  const keysOfV1 = await dagKeys(a.node, v1)
  const fresh = [...(await dagKeys(a.node, v2)).keys()].filter(k => !keysOfV1.has(k))
  // the changed file's leaf and the directory node
  t.is(fresh.length, 2)
  await a.node.datasets.publish('climate', v2.toString())
  t.false(await a.node.helia.pins.isPinned(v1), 'the publisher unpins the version it replaced')

  // the new record reaches the followers over IPNS-over-PubSub
  for (const [i, follower] of [b, c].entries()) {
    await waitFor(async () => (await follower.node.datasets.get('shared')).cid === v2.toString(), 30_000, 100)
    const state = await follower.node.datasets.get('shared')
    t.is(state.state, 'synced')
    t.truthy(state.lastChange)
    t.true(await follower.node.helia.pins.isPinned(v2))
    t.false(await follower.node.helia.pins.isPinned(v1))
    t.is(uniqueReceived(follower.node) - (before[i] as number), fresh.length, 'only the blocks the old version lacked were fetched')
  }

  const listed = await run<{ Name: string, Cid: string, State: string, IpnsName: string }>(b.node, ['dataset', 'ls'], [])
  t.like(listed[0], { Name: 'shared', Cid: v2.toString(), State: 'synced', IpnsName: published.ipnsName })

  const startedAt = Date.now()
  const status = await a.node.datasets.status('climate')
  t.log(`status took ${Date.now() - startedAt} ms`)
  t.deepEqual(Object.keys(status.peers).sort(), [b.peerId, c.peerId].sort())
  t.is(status.copies, 3)
  for (const seen of Object.values(status.peers)) t.truthy(Date.parse(seen.lastSeen))
  const [ok] = await run<{ Copies: number }>(a.node, ['dataset', 'status'], ['climate'], { 'min-copies': 3 })
  t.is(ok?.Copies, 3)
  await t.throwsAsync(run(a.node, ['dataset', 'status'], ['climate'], { 'min-copies': 4 }), { code: 'ERR_TOO_FEW_COPIES' })

  const gone = await c.node.datasets.unfollow('shared')
  t.is(gone.name, 'shared')
  t.false(await c.node.helia.pins.isPinned(v2))
  t.deepEqual(await c.node.datasets.list(), [])
})

/** An online node on an existing repo folder (so it can be stopped and opened again). */
async function openOnline (root: string): Promise<{ node: CairnNode, libp2p: Libp2p }> {
  const node = await createOnlineNode(await openRepo(root), { initialReprovideDelay: 3_600_000 })
  return { node, libp2p: (node.helia as typeof node.helia & { libp2p: Libp2p }).libp2p }
}

test.serial('while B syncs a new version its gateway serves the complete old one; B stopped mid-sync resumes after a restart and picks up the version published while it was away', async t => {
  const [a] = await startNodes(1) as [TestNode]
  t.teardown(async () => { await a.stop() })
  const dir = await tempDir('cairn-follower-')
  t.teardown(dir.cleanup)
  const root = join(dir.path, 'repo')
  await initTestRepo(root)
  let b = await openOnline(root)
  t.teardown(async () => { await b.node.stop().catch(() => {}) })
  const { multiaddr } = await import('@multiformats/multiaddr')
  await b.libp2p.dial(multiaddr(a.addrs[0] as string))

  const v1 = await addDataset(a.node, files())
  const { ipnsName } = await a.node.datasets.publish('ds', v1.toString())
  await b.node.datasets.follow(`/ipns/${ipnsName}`, 'mirror')
  t.is((await b.node.datasets.sync('mirror')).cid, v1.toString())
  const gateway = await startGateway(b.node, '/ip4/127.0.0.1/tcp/0')

  // v2 changes f03 and adds a file whose block A has lost: B's sync stops short of it
  const changedF03 = deterministicBytes(64 * 1024, 500)
  const v2 = await addDataset(a.node, files({ 'f03.bin': changedF03, 'zz-new.bin': deterministicBytes(64 * 1024, 501) }))
  const lost = (await dagKeys(a.node, v2)).get(blockKey((await a.node.fs.stat(v2, { path: 'zz-new.bin' })).cid.multihash)) as CID
  await a.node.repo.blockstore.delete(lost)
  await a.node.names.publish(`/ipfs/${v2.toString()}`, { key: 'ds' })
  const stalled = await waitFor(async () => {
    const s = await b.node.datasets.get('mirror')
    // the root and the 40 files before zz-new.bin (links are in name order)
    return s.target === v2.toString() && (s.progress?.blocks ?? 0) >= 41 ? s : undefined
  }, 30_000, 50)
  t.is(stalled.cid, v1.toString())

  // readers see the complete old version: never the new f03 beside an old directory, never a 5xx
  const old = await httpGet(gateway.url, `/ipns/${ipnsName}/f03.bin`)
  t.is(old.status, 200)
  t.true(old.body.equals(deterministicBytes(64 * 1024, 4)))
  t.is((await httpGet(gateway.url, `/ipns/${ipnsName}/zz-new.bin`)).status, 404)
  t.is((await httpGet(gateway.url, `/ipns/${ipnsName}/`)).status, 200)

  await gateway.close()
  await b.node.stop()
  // the state stays in the repo: still on v1, v2 not complete
  const offline = await (await import('../../node/node.js')).createNode(await openRepo(root))
  const kept = await offline.datasets.get('mirror')
  t.is(kept.cid, v1.toString())
  t.is(kept.target, v2.toString())

  // meanwhile A publishes v3 (the lost block is back, f04 changes too)
  const v3 = await addDataset(a.node, files({ 'f03.bin': changedF03, 'zz-new.bin': deterministicBytes(64 * 1024, 501), 'f04.bin': deterministicBytes(64 * 1024, 502) }))
  await a.node.datasets.publish('ds', v3.toString())
  let lacking = 0
  for (const cid of (await dagKeys(a.node, v3)).values()) if (!(await offline.repo.blockstore.has(cid))) lacking++
  await offline.stop()
  t.is(lacking, 3, 'v3 root, new f04 and the lost block')

  b = await openOnline(root)
  await b.libp2p.dial(multiaddr(a.addrs[0] as string))
  const resumed = await b.node.datasets.sync('mirror')
  t.is(resumed.state, 'synced', resumed.error)
  t.is(resumed.cid, v3.toString())
  t.true(await b.node.helia.pins.isPinned(v3))
  t.false(await b.node.helia.pins.isPinned(v1))
  t.is(uniqueReceived(b.node), lacking, 'blocks fetched before the restart are not fetched again')
})

test.serial('without pubsub, a follower picks up a new version on Datasets.CheckInterval', async t => {
  const nodes = await startNodes(2, { configure: config => { config.Ipns.UsePubsub = false; config.Datasets.CheckInterval = '1s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(b, a)
  const v1 = await addDataset(a.node, files())
  const { ipnsName } = await a.node.datasets.publish('ds', v1.toString())
  await b.node.datasets.follow(ipnsName)
  t.is((await b.node.datasets.sync(ipnsName)).cid, v1.toString())
  const v2 = await addDataset(a.node, files({ 'f01.bin': deterministicBytes(64 * 1024, 777) }))
  await a.node.datasets.publish('ds', v2.toString())
  await waitFor(async () => (await b.node.datasets.get(ipnsName)).cid === v2.toString(), 30_000, 100)
  t.true(await b.node.helia.pins.isPinned(v2))
  t.false(await b.node.helia.pins.isPinned(v1))
})
