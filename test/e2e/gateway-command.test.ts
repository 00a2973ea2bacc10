// `cairn gateway`: the gateway alone over a repo, run as the built CLI in a child process.
import test from 'ava'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { startDaemon } from '../helpers/nodes.js'

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)
const absent = 'bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom'

test('cairn gateway serves the repo on the printed address, holds the lock, and SIGTERM releases it', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const cid = (await cliText(['add', '-q'], { repo, input: 'hello from the gateway command\n' })).trim()

  const gw = await startDaemon(repo, { args: ['gateway'] })
  t.teardown(async () => { await gw.stop('SIGKILL') })
  const out = gw.stdout()
  t.regex(out, /^Initializing gateway\.\.\.\nRepo: .+\n/)
  t.regex(out, /Gateway server listening on \/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*\n/, 'the real bound port, not 0')
  t.true(gw.swarm.length > 0, 'online: the node listens on the swarm')
  t.false(out.includes('RPC API'), 'no RPC API')
  t.false(await exists(join(repo, 'api')), 'no api file: other commands must not send to it')
  t.is((await readFile(join(repo, 'repo.lock'), 'utf8')).trim(), String(gw.pid))

  const url = gw.gatewayUrl ?? ''
  const res = await fetch(`${url}/ipfs/${cid}`)
  t.is(res.status, 200)
  t.is(await res.text(), 'hello from the gateway command\n')
  t.is(res.headers.get('etag'), `"${cid}"`)
  t.is((await fetch(`${url}/ipfs/bafkqaaa`)).status, 200)
  // another command on the repo meanwhile is refused by the lock, naming the holder
  const cat = await runCli(['cat', cid], { repo })
  t.is(cat.code, 1)
  t.regex(cat.stderr, new RegExp(`pid ${gw.pid}`))

  t.deepEqual(await gw.stop('SIGTERM'), { code: 0, signal: null })
  t.regex(gw.stdout(), /Received interrupt signal, shutting down\.\.\.\nGateway stopped\n$/)
  t.false(await exists(join(repo, 'repo.lock')), 'lock released')
  t.is(await cliText(['cat', cid], { repo }), 'hello from the gateway command\n')
})

test('cairn gateway --offline serves only local blocks (a missing one fails at once) and stops on SIGINT', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const cid = (await cliText(['add', '-q'], { repo, input: 'offline bytes' })).trim()
  const gw = await startDaemon(repo, { args: ['gateway', '--offline'] })
  t.teardown(async () => { await gw.stop('SIGKILL') })
  t.deepEqual(gw.swarm, [], 'no network')
  const offlineId = (JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')) as { Identity: { PeerID: string } }).Identity.PeerID
  t.is(gw.peerId, offlineId)
  const url = gw.gatewayUrl ?? ''
  t.is(await (await fetch(`${url}/ipfs/${cid}`)).text(), 'offline bytes')
  const started = Date.now()
  const missing = await fetch(`${url}/ipfs/${absent}`)
  t.is(missing.status, 502)
  t.true(Date.now() - started < 20_000, 'not a wait on the network (Gateway.RetrievalTimeout is 30 s)')
  t.deepEqual(await gw.stop('SIGINT'), { code: 0, signal: null })
  t.false(await exists(join(repo, 'repo.lock')))
})

test('cairn gateway with a bad listen address or on a missing repo exits 1 with one line, leaving no lock', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const bad = await runCli(['gateway', '--offline'], { repo, env: { CAIRN_GATEWAY: '/ip4/127.0.0.1/udp/8080' } })
  t.is(bad.code, 1)
  t.regex(bad.stderr, /invalid gateway address "\/ip4\/127\.0\.0\.1\/udp\/8080"/)
  t.false(bad.stderr.includes('    at '))
  t.false(await exists(join(repo, 'repo.lock')), 'the lock taken at start-up is released')
  const nowhere = await runCli(['gateway'], { repo: join(repo, 'does-not-exist'), env: { CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0' } })
  t.is(nowhere.code, 1)
  t.regex(nowhere.stderr, /init/)
})
