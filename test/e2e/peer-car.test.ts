import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PacedLink } from '../../bench/throttle-proxy.js'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startDaemon, type DaemonProcess } from '../helpers/nodes.js'

const MiB = 1024 * 1024

/** A daemon on a fresh repo, configured first with `cairn config` pairs. */
async function daemonWith (t: { teardown: (fn: () => Promise<void>) => void }, config: Array<[string, string]> = []): Promise<{ repo: string, daemon: DaemonProcess }> {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  for (const [key, value] of config) await cliText(['config', key, value, '--json'], { repo })
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  return { repo, daemon }
}

/** The blocks `repo`'s daemon got over bitswap from `peer`, or from any peer. */
async function bitswapBlocksFrom (repo: string, peer?: string): Promise<number> {
  const stats = JSON.parse(await cliText(['stats', 'bitswap', '--json'], { repo })) as { Ledgers: Array<{ Peer: string, BlocksReceived: number }> }
  return stats.Ledgers.filter(l => peer == null || l.Peer === peer).reduce((sum, l) => sum + l.BlocksReceived, 0)
}

test('a daemon takes a file from a connected daemon\'s gateway as one CAR stream; with HTTPRetrieval.Peers false, over bitswap', async t => {
  const holder = await daemonWith(t)
  const viaCar = await daemonWith(t)
  const viaBitswap = await daemonWith(t, [['HTTPRetrieval.Peers', 'false']])
  const data = randomBytes(8 * MiB + 12345)
  const cid = (await cliText(['add', '-q', '--pin=false'], { repo: holder.repo, input: data })).trim()
  const address = `${holder.daemon.swarm.find(a => !a.includes('/ws')) as string}/p2p/${holder.daemon.peerId}`
  for (const { repo } of [viaCar, viaBitswap]) await cliText(['swarm', 'connect', address], { repo })

  const fromCar = await runCli(['cat', cid], { repo: viaCar.repo })
  t.is(fromCar.code, 0, fromCar.stderr)
  t.true(fromCar.stdout.equals(data), 'identical bytes through the CAR stream')
  // the root may also come over bitswap (both are asked for it); the 9 leaves do not
  t.true(await bitswapBlocksFrom(viaCar.repo, holder.daemon.peerId) <= 1)

  const fromBitswap = await runCli(['cat', cid], { repo: viaBitswap.repo })
  t.is(fromBitswap.code, 0, fromBitswap.stderr)
  t.true(fromBitswap.stdout.equals(data))
  // from the holder, or from the first fetcher once it provides what it fetched
  t.true(await bitswapBlocksFrom(viaBitswap.repo) >= 9)

  // what came in the stream was stored: the daemon serves it with the holder gone
  await holder.daemon.stop()
  const again = await runCli(['--timeout', '20s', 'cat', cid], { repo: viaCar.repo })
  t.true(again.stdout.equals(data), again.stderr)
})

test('over a link slower than the read, the stream is let go for bitswap: each block crosses the link once', async t => {
  const holder = await daemonWith(t)
  const reader = await daemonWith(t)
  const data = randomBytes(12 * MiB)
  const cid = (await cliText(['add', '-q', '--pin=false'], { repo: holder.repo, input: data })).trim()
  // the holder's libp2p listener and gateway behind one 6 MiB/s link, on ::1: the reader
  // addresses the gateway the holder offers at the host it is connected to
  const link = new PacedLink(6 * MiB)
  t.teardown(async () => { await link.stop() })
  const gatewayPort = Number(new URL(holder.daemon.gatewayUrl as string).port)
  await link.proxy(gatewayPort, { host: '::1', port: gatewayPort })
  const swarmPort = Number(/\/tcp\/(\d+)/.exec(holder.daemon.swarm.find(a => a.startsWith('/ip4/127.0.0.1/tcp/') && !a.includes('/ws')) as string)?.[1])
  await cliText(['swarm', 'connect', `/ip6/::1/tcp/${await link.proxy(swarmPort, { host: '::1', port: 0 })}/p2p/${holder.daemon.peerId}`], { repo: reader.repo })

  const got = await runCli(['cat', cid], { repo: reader.repo })
  t.is(got.code, 0, got.stderr)
  t.true(got.stdout.equals(data))
  t.true(link.connectionsTo(gatewayPort) >= 1, 'the stream was asked for over the link')
  // racing the stream over the same link, bitswap used to bring most blocks a second time
  t.true(link.bytesOut < 1.3 * data.byteLength, `${(link.bytesOut / MiB).toFixed(1)} MiB crossed the link for a 12 MiB file`)
})

test('a read far into a file does not wait for the stream to get there: it asks bitswap as well', async t => {
  const holder = await daemonWith(t)
  const reader = await daemonWith(t)
  const data = randomBytes(24 * MiB)
  const cid = (await cliText(['add', '-q', '--pin=false'], { repo: holder.repo, input: data })).trim()
  await cliText(['swarm', 'connect', `${holder.daemon.swarm.find(a => !a.includes('/ws')) as string}/p2p/${holder.daemon.peerId}`], { repo: reader.repo })
  const offset = 20 * MiB
  const tail = await runCli(['cat', '--offset', String(offset), '--length', String(MiB), cid], { repo: reader.repo })
  t.is(tail.code, 0, tail.stderr)
  t.true(tail.stdout.equals(data.subarray(offset, offset + MiB)))
})

test('cairn get of a directory only a connected daemon holds: a stream per file, the files identical', async t => {
  const holder = await daemonWith(t)
  const reader = await daemonWith(t)
  const work = await tempDir()
  t.teardown(work.cleanup)
  const files: Record<string, Buffer> = { 'big.bin': randomBytes(3 * MiB), 'small.txt': Buffer.from('hello\n'), 'sub/inner.bin': randomBytes(300_000) }
  await mkdir(join(work.path, 'tree', 'sub'), { recursive: true })
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(work.path, 'tree', name), bytes)
  const lines = (await cliText(['add', '-r', '-q', join(work.path, 'tree')], { repo: holder.repo })).trim().split('\n')
  const root = lines[lines.length - 1] as string
  await cliText(['swarm', 'connect', `${holder.daemon.swarm.find(a => !a.includes('/ws')) as string}/p2p/${holder.daemon.peerId}`], { repo: reader.repo })
  const got = await runCli(['get', root, '-o', join(work.path, 'out')], { repo: reader.repo })
  t.is(got.code, 0, got.stderr)
  for (const [name, bytes] of Object.entries(files)) t.true((await readFile(join(work.path, 'out', name))).equals(bytes), name)
  // the two directories and the three files' first blocks came over bitswap; each
  // multi-block file's other blocks through a stream of its own
  t.true(await bitswapBlocksFrom(reader.repo, holder.daemon.peerId) <= 5)
})
