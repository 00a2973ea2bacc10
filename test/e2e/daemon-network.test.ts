import test from 'ava'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { connectNodes, startDaemon, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'

const MiB = 1024 * 1024

test('five nodes: cairn get on a daemon connected only to node 2 returns the bytes node 1 added', async t => {
  const nodes = await startNodes(4)
  t.teardown(async () => { await stopNodes(nodes) })
  const [n1, n2, n3, n4] = nodes as [TestNode, TestNode, TestNode, TestNode]
  await connectNodes(n1, n2)
  await connectNodes(n3, n2)
  await connectNodes(n4, n3)
  const data = randomBytes(4 * MiB)
  const cid = await n1.node.fs.addBytes(data)
  await n1.node.announce([cid])
  await waitFor(() => (n1.node.network?.provideStats().provided ?? 0) >= 5, 30_000)

  // node 5: a real daemon child process, told about node 2 only
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  t.is((await cliText(['swarm', 'connect', n2.addrs[0] as string], { repo })).trim(), `connect ${n2.peerId} success`)
  t.false(await n2.node.repo.blockstore.has(cid), 'node 2 does not hold the file')

  const out = await tempDir()
  t.teardown(out.cleanup)
  const target = join(out.path, 'file.bin')
  const started = Date.now()
  const got = await runCli(['--timeout', '90s', 'get', cid.toString(), '-o', target], { repo })
  if (got.code !== 0) {
    // say what the daemon was waiting for, to tell a lost want from a missing provider
    const state = await runCli(['stats', 'bitswap', '-v'], { repo })
    t.fail(`cairn get exited ${String(got.code)}: ${got.stderr}\nnode 1 is ${n1.peerId}\n${state.stdout.toString()}`)
    return
  }
  t.log(`cairn get of 4 MiB through node 5's daemon took ${Date.now() - started} ms`)
  t.true((await readFile(target)).equals(data), 'identical bytes')

  // the daemon found node 1 through the DHT and received the blocks from it
  const provs = (await cliText(['--timeout', '30s', 'routing', 'findprovs', cid.toString()], { repo })).split('\n').filter(l => l !== '')
  t.true(provs.includes(n1.peerId), 'one peer ID per line, node 1 among them')
  t.true(provs.every(p => /^12D3Koo\w+$/.test(p)))
  const stats = JSON.parse(await cliText(['stats', 'bitswap', '--json'], { repo })) as { Ledgers: Array<{ Peer: string, BlocksReceived: number }> }
  t.true((stats.Ledgers.find(l => l.Peer === n1.peerId)?.BlocksReceived ?? 0) >= 4)
  t.falsy(stats.Ledgers.find(l => l.Peer === n2.peerId)?.BlocksReceived)
  t.deepEqual(await daemon.stop(), { code: 0, signal: null })
})
