import '../../node/polyfill.js'
import test from 'ava'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { Configuration, RemotePinningServiceClient, Status, TextMatchingStrategy, type PinStatus } from '@ipfs-shipyard/pinning-service-client'
import { startDaemon, type Daemon } from '../../node/daemon.js'
import { startPinningServer } from '../../gateway/pinning/server.js'
import { TokenStore } from '../../node/pinning/tokens.js'
import { pinRemoteAdd } from '../../node/commands/pin-remote.js'
import { RemotePinningError } from '../../node/errors.js'
import { addPin, pinOf } from '../../node/pins/pins.js'
import { initTestRepo, startNode, waitFor, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/cli.js'
import { applyProfile, defaultConfig, setConfigValue, type Config } from '../../config/config.js'
import { createIdentity } from '../../node/repo/identity.js'

const allStatuses = [Status.Queued, Status.Pinning, Status.Pinned, Status.Failed]

/** An in-process daemon on a `local` repo with only the Pinning Service API (port 0). */
async function startService (root: string): Promise<Daemon & { url: string }> {
  const daemon = await startDaemon({
    root,
    pinning: startPinningServer,
    env: { CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' },
    initialReprovideDelay: 3_600_000
  })
  return { ...daemon, url: (daemon.pinning as { url: string }).url }
}

function client (url: string, token: string): RemotePinningServiceClient {
  return new RemotePinningServiceClient(new Configuration({ endpointUrl: url, accessToken: token }))
}

/** The status and spec `Failure` body of a call the client rejects with the raw Response. */
async function failure (call: Promise<unknown>): Promise<{ status: number, body: { error: { reason: string, details?: string } } }> {
  try {
    await call
  } catch (err) {
    if (!(err instanceof Response)) throw err
    return { status: err.status, body: await err.json() as { error: { reason: string, details?: string } } }
  }
  throw new Error('the call succeeded')
}

async function settled (api: RemotePinningServiceClient, requestid: string, timeout = 30_000): Promise<PinStatus> {
  return await waitFor(async () => {
    const status = await api.pinsRequestidGet({ requestid })
    return status.status === Status.Pinned || status.status === Status.Failed ? status : undefined
  }, timeout, 100)
}

async function rawCid (bytes: Uint8Array): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(bytes))
}

interface Fixture { service: Daemon & { url: string }, token: string, other: string, origin: TestNode }

/** One service (Fetch.Timeout 3s, so that a CID nobody has fails quickly) and one origin node. */
async function setup (t: { teardown: (fn: () => Promise<void>) => void }): Promise<Fixture> {
  const dir = await tempDir('cairn-pinsvc-')
  const root = join(dir.path, 'repo')
  await initTestRepo(root, { configure: (c: Config) => { c.Fetch.Timeout = '3s' } })
  const service = await startService(root)
  const origin = await startNode()
  t.teardown(async () => {
    await service.stop()
    await origin.stop()
    await dir.cleanup()
  })
  const tokens = new TokenStore(service.node.repo.datastore)
  const token = (await tokens.create('first')).Token
  const other = (await tokens.create('second')).Token
  return { service, token, other, origin }
}

test.serial('the spec client adds, gets, lists with each filter, replaces and deletes pins', async t => {
  const { service, token } = await setup(t)
  const api = client(service.url, token)
  const node = service.node
  const alpha = await node.fs.addBytes(new TextEncoder().encode('alpha content'))
  const beta = await node.fs.addBytes(new TextEncoder().encode('beta content'))
  const gamma = await node.fs.addBytes(new TextEncoder().encode('gamma content'))
  const missing = await rawCid(new TextEncoder().encode('nobody holds this'))

  const a = await api.pinsPost({ pin: { cid: alpha.toString(), name: 'Alpha-One', meta: { app: 'x' } } })
  t.is(a.pin.cid, alpha.toString())
  t.true([Status.Queued, Status.Pinning, Status.Pinned].includes(a.status))
  t.deepEqual(a.delegates, service.node.network?.libp2p.getMultiaddrs().map(String))
  t.true(a.delegates.length > 0 && a.delegates.every(d => d.includes('/p2p/')))
  t.is((await settled(api, a.requestid)).status, Status.Pinned)
  const b = await api.pinsPost({ pin: { cid: beta.toString(), name: 'beta' } })
  t.is((await settled(api, b.requestid)).status, Status.Pinned)
  const failed = await api.pinsPost({ pin: { cid: missing.toString(), name: 'lost' } })
  const lost = await settled(api, failed.requestid)
  t.is(lost.status, Status.Failed)
  t.truthy(lost.info?.status_details)
  t.is((await pinOf(node, alpha))?.type, 'recursive')

  const got = await api.pinsRequestidGet({ requestid: a.requestid })
  t.like(got.pin, { cid: alpha.toString(), name: 'Alpha-One', meta: { app: 'x' } })
  t.is(got.pin.origins, undefined)
  t.true(got.created instanceof Date)

  const names = async (query: Parameters<RemotePinningServiceClient['pinsGet']>[0]): Promise<string[]> =>
    (await api.pinsGet(query)).results.map(r => r.pin.name ?? '')
  // no status filter: pinned only, newest first
  t.deepEqual(await names({}), ['beta', 'Alpha-One'])
  t.deepEqual(await names({ status: allStatuses }), ['lost', 'beta', 'Alpha-One'])
  t.deepEqual(await names({ status: [Status.Failed] }), ['lost'])
  t.deepEqual(await names({ cid: [alpha.toString()] }), ['Alpha-One'])
  t.deepEqual(await names({ cid: [alpha.toString(), beta.toString()] }), ['beta', 'Alpha-One'])
  t.deepEqual(await names({ name: 'Alpha-One' }), ['Alpha-One'])
  t.deepEqual(await names({ name: 'alpha-one' }), [])
  t.deepEqual(await names({ name: 'alpha-one', match: TextMatchingStrategy.Iexact }), ['Alpha-One'])
  t.deepEqual(await names({ name: 'pha', match: TextMatchingStrategy.Partial }), ['Alpha-One'])
  t.deepEqual(await names({ name: 'PHA', match: TextMatchingStrategy.Partial }), [])
  t.deepEqual(await names({ name: 'PHA', match: TextMatchingStrategy.Ipartial }), ['Alpha-One'])
  t.deepEqual(await names({ before: b.created }), ['Alpha-One'])
  t.deepEqual(await names({ after: a.created }), ['beta'])
  t.deepEqual(await names({ after: a.created, status: allStatuses }), ['lost', 'beta'])
  const page = await api.pinsGet({ limit: 1 })
  t.is(page.count, 2)
  t.deepEqual(page.results.map(r => r.pin.name), ['beta'])
  const byMeta = await fetch(`${service.url}/pins?meta=${encodeURIComponent('{"app":"x"}')}`, { headers: { Authorization: `Bearer ${token}` } })
  t.deepEqual(((await byMeta.json()) as { results: Array<{ pin: { name: string } }> }).results.map(r => r.pin.name), ['Alpha-One'])

  // a replacement that never gets pinned leaves the old request and its pin in place
  const stuck = await api.pinsRequestidPost({ requestid: a.requestid, pin: { cid: (await rawCid(new TextEncoder().encode('nowhere either'))).toString() } })
  t.is((await api.pinsRequestidGet({ requestid: a.requestid })).status, Status.Pinned)
  t.is((await pinOf(node, alpha))?.type, 'recursive')
  t.is((await settled(api, stuck.requestid)).status, Status.Failed)
  t.is((await api.pinsRequestidGet({ requestid: a.requestid })).status, Status.Pinned)
  t.is((await pinOf(node, alpha))?.type, 'recursive')
  await api.pinsRequestidDelete({ requestid: stuck.requestid })

  // replace alpha by gamma: a new requestid; the old request and its pin go once gamma is pinned
  const replaced = await api.pinsRequestidPost({ requestid: a.requestid, pin: { cid: gamma.toString(), name: 'gamma' } })
  t.not(replaced.requestid, a.requestid)
  t.is((await settled(api, replaced.requestid)).status, Status.Pinned)
  await waitFor(async () => (await pinOf(node, alpha)) == null)
  t.is((await failure(api.pinsRequestidGet({ requestid: a.requestid }))).status, 404)
  t.is((await pinOf(node, gamma))?.type, 'recursive')
  t.deepEqual(await names({}), ['gamma', 'beta'])

  await api.pinsRequestidDelete({ requestid: replaced.requestid })
  t.is((await failure(api.pinsRequestidGet({ requestid: replaced.requestid }))).status, 404)
  t.is(await pinOf(node, gamma), undefined)
  t.deepEqual(await names({}), ['beta'])
})

test.serial('origins are dialled and the content comes from them', async t => {
  const { service, token, origin } = await setup(t)
  const api = client(service.url, token)
  const bytes = new TextEncoder().encode('held only by the origin node '.repeat(1000))
  const cid = await origin.node.fs.addBytes(bytes)
  const libp2p = service.node.network?.libp2p
  t.truthy(libp2p)
  t.is(libp2p?.getConnections(origin.libp2p.peerId).length, 0)
  t.false(await service.node.repo.blockstore.has(cid))

  const posted = await api.pinsPost({ pin: { cid: cid.toString(), origins: origin.addrs.slice(0, 1) } })
  t.is((await settled(api, posted.requestid)).status, Status.Pinned)
  t.true((libp2p?.getConnections(origin.libp2p.peerId).length ?? 0) > 0)
  t.true(await service.node.repo.blockstore.has(cid))
  t.is((await pinOf(service.node, cid))?.type, 'recursive')
})

test.serial('bad tokens are 401; a bad CID, an unknown requestid and limit=5000 are the spec\'s errors', async t => {
  const { service, token } = await setup(t)
  const api = client(service.url, token)
  const cid = (await service.node.fs.addBytes(new TextEncoder().encode('x'))).toString()

  const wrong = await failure(client(service.url, 'cairn_not-a-token').pinsGet({}))
  t.is(wrong.status, 401)
  t.is(wrong.body.error.reason, 'UNAUTHORIZED')
  const none = await fetch(`${service.url}/pins`)
  t.is(none.status, 401)
  t.is(((await none.json()) as { error: { reason: string } }).error.reason, 'UNAUTHORIZED')
  t.is((await failure(client(service.url, 'cairn_not-a-token').pinsPost({ pin: { cid } }))).status, 401)

  const badCid = await failure(api.pinsPost({ pin: { cid: 'not-a-cid' } }))
  t.is(badCid.status, 400)
  t.is(badCid.body.error.reason, 'BAD_REQUEST')
  t.regex(badCid.body.error.details ?? '', /cid/)
  t.is((await failure(api.pinsGet({ cid: ['not-a-cid'] }))).status, 400)
  const badOrigin = await failure(api.pinsPost({ pin: { cid, origins: ['not a multiaddr'] } }))
  t.is(badOrigin.status, 400)

  const unknown = await failure(api.pinsRequestidGet({ requestid: 'no-such-request' }))
  t.is(unknown.status, 404)
  t.is(unknown.body.error.reason, 'NOT_FOUND')
  t.is((await failure(api.pinsRequestidDelete({ requestid: 'no-such-request' }))).status, 404)
  t.is((await failure(api.pinsRequestidPost({ requestid: 'no-such-request', pin: { cid } }))).status, 404)

  const tooMany = await failure(api.pinsGet({ limit: 5000 }))
  t.is(tooMany.status, 400)
  t.is(tooMany.body.error.reason, 'BAD_REQUEST')
  t.regex(tooMany.body.error.details ?? '', /limit/)
  t.is((await failure(api.pinsGet({ limit: 0 }))).status, 400)
  const badJson = await fetch(`${service.url}/pins`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{' })
  t.is(badJson.status, 400)
  t.is(((await badJson.json()) as { error: { reason: string } }).error.reason, 'BAD_REQUEST')
})

test.serial('two tokens do not see each other\'s pins', async t => {
  const { service, token, other } = await setup(t)
  const first = client(service.url, token)
  const second = client(service.url, other)
  const cid = (await service.node.fs.addBytes(new TextEncoder().encode('mine'))).toString()
  const mine = await first.pinsPost({ pin: { cid, name: 'mine' } })
  await settled(first, mine.requestid)

  t.is((await first.pinsGet({ status: allStatuses })).count, 1)
  t.deepEqual(await second.pinsGet({ status: allStatuses }), { count: 0, results: [] })
  t.is((await failure(second.pinsRequestidGet({ requestid: mine.requestid }))).status, 404)
  t.is((await failure(second.pinsRequestidDelete({ requestid: mine.requestid }))).status, 404)
  t.is((await failure(second.pinsRequestidPost({ requestid: mine.requestid, pin: { cid } }))).status, 404)
  // the same CID pinned by the second token too: removing one request keeps the pin for the other
  const theirs = await second.pinsPost({ pin: { cid, name: 'theirs' } })
  await settled(second, theirs.requestid)
  await first.pinsRequestidDelete({ requestid: mine.requestid })
  t.is((await pinOf(service.node, CID.parse(cid)))?.type, 'recursive')
  t.is((await first.pinsGet({ status: allStatuses })).count, 0)
  t.is((await second.pinsRequestidGet({ requestid: theirs.requestid })).status, Status.Pinned)

  // a CID the node's user had pinned before stays pinned when its request goes
  const own = await service.node.fs.addBytes(new TextEncoder().encode('pinned by the user'))
  await addPin(service.node, own, { recursive: true, name: 'user' })
  const request = await first.pinsPost({ pin: { cid: own.toString() } })
  t.is((await settled(first, request.requestid)).status, Status.Pinned)
  await first.pinsRequestidDelete({ requestid: request.requestid })
  t.like(await pinOf(service.node, own), { type: 'recursive', name: 'user' })
})

test.serial('a pin request interrupted by a restart resumes and completes', async t => {
  const dir = await tempDir('cairn-pinsvc-')
  const root = join(dir.path, 'repo')
  await initTestRepo(root, { configure: (c: Config) => { c.Fetch.Timeout = '10m' } })
  const origin = await startNode()
  let service = await startService(root)
  t.teardown(async () => {
    await service.stop()
    await origin.stop()
    await dir.cleanup()
  })
  const token = (await new TokenStore(service.node.repo.datastore).create(undefined)).Token
  const bytes = new TextEncoder().encode('published after the restart')
  const cid = await rawCid(bytes)

  // the origin does not hold the block yet: the service dials it and keeps waiting
  const posted = await client(service.url, token).pinsPost({ pin: { cid: cid.toString(), name: 'later', origins: origin.addrs.slice(0, 1) } })
  await waitFor(async () => (await client(service.url, token).pinsRequestidGet({ requestid: posted.requestid })).status === Status.Pinning)
  await service.stop()

  await origin.node.repo.blockstore.put(cid, bytes)
  service = await startService(root)
  const api = client(service.url, token)
  const done = await settled(api, posted.requestid)
  t.is(done.status, Status.Pinned)
  t.is(done.pin.name, 'later')
  t.is((await pinOf(service.node, cid))?.type, 'recursive')
  t.is((await api.pinsGet({ status: allStatuses })).count, 1)
})

test('Addresses.PinningAPI defaults to loopback port 5003, takes "" for off, and survives a profile change', async t => {
  const config = defaultConfig(await createIdentity(), 'local')
  t.is(config.Addresses.PinningAPI, '/ip4/127.0.0.1/tcp/5003')
  t.is(defaultConfig(await createIdentity(), 'public').Addresses.PinningAPI, '/ip4/127.0.0.1/tcp/5003')
  t.throws(() => setConfigValue(config, 'Addresses.PinningAPI', '/ip4/127.0.0.1/udp/5003'), { message: /Addresses\.PinningAPI/ })
  const off = setConfigValue(config, 'Addresses.PinningAPI', '')
  t.is(off.Addresses.PinningAPI, '')
  t.is(applyProfile(off, 'server').Addresses.PinningAPI, '')

  const dir = await tempDir('cairn-pinsvc-')
  t.teardown(dir.cleanup)
  const root = join(dir.path, 'repo')
  await initTestRepo(root, { configure: (c: Config) => { c.Addresses.PinningAPI = '' } })
  const daemon = await startDaemon({ root, pinning: startPinningServer, env: {}, initialReprovideDelay: 3_600_000 })
  t.teardown(daemon.stop)
  t.is(daemon.pinning, undefined)
})

test('a daemon whose Pinning Service API port is taken fails to start and releases the repo', async t => {
  const { createServer } = await import('node:net')
  const taken = createServer()
  await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { taken.close() })
  const port = (taken.address() as { port: number }).port
  const dir = await tempDir('cairn-pinsvc-')
  t.teardown(dir.cleanup)
  const root = join(dir.path, 'repo')
  await initTestRepo(root)
  const options = { root, pinning: startPinningServer, env: { CAIRN_PINNING_API: `/ip4/127.0.0.1/tcp/${port}` }, initialReprovideDelay: 3_600_000 }
  await t.throwsAsync(startDaemon(options), { code: 'EADDRINUSE' })
  // the repo lock was released: the same repo opens again on a free port
  const daemon = await startDaemon({ ...options, env: { CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' } })
  t.teardown(daemon.stop)
  t.truthy(daemon.pinning)
})

test.serial('pin remote add fails with ERR_REMOTE_PINNING when the service fails the pin or cannot be reached', async t => {
  const { service, token } = await setup(t)
  const node = service.node
  const next = structuredClone(node.config)
  next.Pinning.RemoteServices.self = { API: { Endpoint: service.url, Key: token } }
  next.Pinning.RemoteServices.gone = { API: { Endpoint: 'http://127.0.0.1:1', Key: token } }
  await node.repo.saveConfig(next)
  const drain = async (service: string, cid: string): Promise<unknown[]> => {
    const out: unknown[] = []
    for await (const value of pinRemoteAdd.run({ node, signal: AbortSignal.timeout(60_000) }, { args: [cid], options: { service, background: false } })) out.push(value)
    return out
  }
  const missing = (await rawCid(new TextEncoder().encode('no one has it'))).toString()
  await t.throwsAsync(drain('self', missing), { instanceOf: RemotePinningError, message: new RegExp(`remote service "self" failed to pin ${missing}`) })
  await t.throwsAsync(drain('gone', missing), { instanceOf: RemotePinningError, message: /remote service "gone" at http:\/\/127\.0\.0\.1:1 is unreachable/ })
  await t.throwsAsync(drain('self', 'not-a-cid'), { code: 'ERR_INVALID_CID' })
  await t.throwsAsync(drain('nope', missing), { code: 'ERR_USAGE', message: /no remote pinning service "nope"/ })
})

test.serial('Pinning.ServiceConcurrency bounds the pins fetched at once; the rest wait queued', async t => {
  const dir = await tempDir('cairn-pinsvc-')
  const root = join(dir.path, 'repo')
  await initTestRepo(root, { configure: (c: Config) => { c.Fetch.Timeout = '10m'; c.Pinning.ServiceConcurrency = 1 } })
  const service = await startService(root)
  t.teardown(async () => {
    await service.stop()
    await dir.cleanup()
  })
  const api = client(service.url, (await new TokenStore(service.node.repo.datastore).create(undefined)).Token)
  const first = await api.pinsPost({ pin: { cid: (await rawCid(new TextEncoder().encode('first, held by nobody'))).toString() } })
  const second = await api.pinsPost({ pin: { cid: (await rawCid(new TextEncoder().encode('second, held by nobody'))).toString() } })
  await waitFor(async () => (await api.pinsRequestidGet({ requestid: first.requestid })).status === Status.Pinning)
  t.is((await api.pinsRequestidGet({ requestid: second.requestid })).status, Status.Queued)
  // removing the first frees its slot for the second
  await api.pinsRequestidDelete({ requestid: first.requestid })
  await waitFor(async () => (await api.pinsRequestidGet({ requestid: second.requestid })).status === Status.Pinning)
  t.pass()
})
