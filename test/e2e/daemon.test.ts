import test from 'ava'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { startDaemon } from '../helpers/nodes.js'

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)

test('daemon prints its PeerID and addresses, writes the api file, and SIGTERM stops it cleanly', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const offlineId = (JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string }).ID

  const started = Date.now()
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  t.log(`daemon ready in ${Date.now() - started} ms`)
  t.is(daemon.peerId, offlineId, 'the PeerID comes from the repo')
  t.true(daemon.swarm.length >= 2)
  for (const addr of daemon.swarm) t.regex(addr, /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*(\/ws)?$/)
  t.regex(daemon.api ?? '', /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*$/, 'the real bound port, not 0')
  t.is(await readFile(join(repo, 'api'), 'utf8'), daemon.api ?? 'no API address printed')
  t.is((await readFile(join(repo, 'repo.lock'), 'utf8')).trim(), String(daemon.pid))
  t.regex(daemon.stdout(), /Daemon is ready\n$/)

  // the gateway and the RPC API answer on the printed ports
  const probe = await fetch(`${daemon.gatewayUrl ?? ''}/ipfs/bafkqaaa`)
  t.is(probe.status, 200)
  const online = JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string, Addresses: string[], Protocols: string[] }
  t.is(online.ID, offlineId)
  t.true(online.Addresses.some(a => a.startsWith('/ip4/127.0.0.1/tcp/')))
  t.true(online.Protocols.includes('/ipfs/kad/1.0.0'))
  t.true(online.Protocols.some(p => p.startsWith('/ipfs/bitswap/')))

  const exit = await daemon.stop('SIGTERM')
  t.deepEqual(exit, { code: 0, signal: null })
  t.false(await exists(join(repo, 'api')), 'api file removed')
  t.false(await exists(join(repo, 'repo.lock')), 'lock released')
  t.regex(daemon.stdout(), /Received interrupt signal, shutting down\.\.\.\nDaemon stopped\n$/)

  // the repo is usable offline again, and a restart (stopped with SIGINT) keeps the PeerID
  t.is((JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string }).ID, offlineId)
  const again = await startDaemon(repo)
  t.teardown(async () => { await again.stop('SIGKILL') })
  t.is(again.peerId, offlineId)
  t.deepEqual(await again.stop('SIGINT'), { code: 0, signal: null })
  t.false(await exists(join(repo, 'api')))
})

test('a second daemon on the same repo fails with the holder\'s pid and leaves the first running', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  const second = await runCli(['daemon'], { repo, env: { CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0', CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' } })
  t.is(second.code, 1)
  t.regex(second.stderr, new RegExp(`locked by another process \\(pid ${daemon.pid}\\)`))
  t.is(await readFile(join(repo, 'api'), 'utf8'), daemon.api ?? 'no API address printed')
  t.deepEqual(await daemon.stop(), { code: 0, signal: null })
})

test('swarm connect with a malformed multiaddr is a one-line error; network commands offline say to start the daemon', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const offline = await runCli(['swarm', 'peers'], { repo })
  t.is(offline.code, 1)
  t.regex(offline.stderr, /^Error: swarm peers needs the network: start the daemon \(cairn daemon\) first\n$/)

  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  const bad = await runCli(['swarm', 'connect', 'not-a-multiaddr'], { repo })
  t.is(bad.code, 1)
  t.regex(bad.stderr, /^Error: invalid multiaddr "not-a-multiaddr": .*\n$/)
  const peers = await runCli(['swarm', 'peers'], { repo })
  t.is(peers.code, 0)
  t.is(peers.stdout.toString(), '')
  const stats = await cliText(['stats', 'provide'], { repo })
  t.regex(stats, /^Enabled:\s+true$/m)
  t.regex(stats, /^Strategy:\s+all$/m)
  t.deepEqual(await daemon.stop(), { code: 0, signal: null })
})

test('a daemon whose RPC port is taken exits 1 with the reason and leaves no lock or api file', async t => {
  const first = await tempRepo()
  const second = await tempRepo()
  t.teardown(async () => { await first.cleanup(); await second.cleanup() })
  const daemon = await startDaemon(first.repo)
  t.teardown(async () => { await daemon.stop('SIGKILL') })
  const busy = await runCli(['daemon'], { repo: second.repo, env: { CAIRN_API: daemon.api ?? '', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0', CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' } })
  t.is(busy.code, 1)
  t.regex(busy.stderr, /EADDRINUSE/)
  t.false(await exists(join(second.repo, 'api')))
  t.false(await exists(join(second.repo, 'repo.lock')))
  t.deepEqual(await daemon.stop(), { code: 0, signal: null })
})

test('a daemon with a malformed swarm.key refuses to start, naming the file', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  await writeFile(join(repo, 'swarm.key'), '/key/swarm/psk/1.0.0/\n/base16/\n1234\n')
  const result = await runCli(['daemon'], { repo, env: { CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0', CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' } })
  t.is(result.code, 1)
  t.true(result.stderr.includes(join(repo, 'swarm.key')))
  t.regex(result.stderr, /not a swarm key/)
  t.false(await exists(join(repo, 'repo.lock')))
})
