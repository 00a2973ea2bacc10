import test from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { createOnlineNode } from '../../node/network/online-node.js'
import { lastSweepKey, sweepRecord } from '../../node/network/sweep-record.js'
import { openRepo } from '../../node/repo/repo.js'
import { cliText, repoAndFolder, tempRepo } from '../helpers/cli.js'
import { startNode, waitFor } from '../helpers/nodes.js'
import type { CairnNode } from '../../node/node.js'
import type { Libp2p } from '@libp2p/interface'

test('a restarted node waits out the interval since its last sweep; another strategy, or content added offline since, brings the sweep back', async t => {
  const peer = await startNode()
  t.teardown(peer.stop)
  const { repo: root, dir } = await repoAndFolder(t)
  const nodes: CairnNode[] = []
  t.teardown(async () => { for (const node of nodes) await node.stop().catch(() => {}) })
  /** The node online on `root`, first sweep due 100 ms after start, connected to `peer`. */
  const start = async (): Promise<CairnNode> => {
    const node = await createOnlineNode(await openRepo(root), { initialReprovideDelay: 100 })
    nodes.push(node)
    await (node.helia as typeof node.helia & { libp2p: Libp2p }).libp2p.dial(multiaddr(peer.addrs[0] as string), { signal: AbortSignal.timeout(10_000) })
    return node
  }
  const sweeps = (node: CairnNode): number => node.network?.provideStats().sweeps ?? -1

  // a repo never swept: the first sweep comes 100 ms after start, and is recorded once provided
  let node = await start()
  await node.fs.addBytes(randomBytes(100))
  await waitFor(() => sweeps(node) >= 1)
  const last = (await waitFor(async () => await sweepRecord(node.repo.datastore).get())).at
  await node.stop()

  // started again at once: nothing is swept, the next sweep is due an interval after the last
  node = await start()
  await new Promise(resolve => setTimeout(resolve, 1_500))
  t.is(sweeps(node), 0, 'a restart within the interval does not sweep again')
  const interval = 22 * 3_600_000
  const next = node.network?.provideStats().nextSweepAt?.getTime() ?? 0
  t.true(Math.abs(next - (last + interval)) < 5_000, `next sweep ${new Date(next).toISOString()}, last ${new Date(last).toISOString()}`)
  t.is(node.network?.provideStats().lastSweepAt?.getTime(), last, 'stats show the recorded sweep as the last one')
  await node.stop()

  // a sweep under another strategy announced other CIDs: a start under this one sweeps soon
  await cliText(['config', 'Provide.Strategy', 'pinned'], { repo: root })
  node = await start()
  await waitFor(() => sweeps(node) >= 1)
  t.is((await waitFor(async () => (await sweepRecord(node.repo.datastore).get())?.strategy === 'pinned' ? 'recorded' : undefined)), 'recorded')
  await node.stop()

  // an add with no daemon announces nothing itself: it forgets the sweep, and the next start sweeps soon
  const file = join(dir, 'offline.bin')
  await writeFile(file, randomBytes(1000))
  await cliText(['add', '-q', file], { repo: root })
  const repo = await openRepo(root)
  t.is(await sweepRecord(repo.datastore).get(), undefined, 'the offline add forgot the last sweep')
  await repo.close()
  node = await start()
  await waitFor(() => sweeps(node) >= 1)
  t.pass('swept after the offline add')
})

test('the sweep record reads back what was written, and a damaged one as no record', async t => {
  const { repo: root, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const repo = await openRepo(root)
  t.teardown(async () => { await repo.close() })
  const record = sweepRecord(repo.datastore)
  t.is(await record.get(), undefined, 'a new repo has none')
  await record.set({ at: 1_700_000_000_000, strategy: 'pinned' })
  t.deepEqual(await record.get(), { at: 1_700_000_000_000, strategy: 'pinned' })
  for (const damaged of ['', '1700000000000', ' all', 'soon all', '17e11 all', '1700000000000 all extra']) {
    await repo.datastore.put(lastSweepKey, new TextEncoder().encode(damaged))
    t.is(await record.get(), undefined, JSON.stringify(damaged))
  }
})
