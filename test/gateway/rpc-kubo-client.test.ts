import test from 'ava'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { blocksVerify, parseCar } from '../helpers/car.js'
import { startRpcNode, type RpcTestNode } from '../helpers/rpc.js'

let served: RpcTestNode
let client: KuboRPCClient

test.before(async () => {
  served = await startRpcNode()
  client = create({ url: served.server.url })
})

test.after.always(async () => {
  await served?.stop()
})

async function all<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function text (chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts).toString()
}

test('kubo-rpc-client id reads the node\'s PeerID, key, agent and addresses', async t => {
  const id = await client.id()
  t.is(id.id.toString(), served.node.config.Identity.PeerID)
  t.is(id.agentVersion, 'cairn/0.1.0')
  t.is(typeof id.publicKey, 'string')
  t.true(Array.isArray(id.addresses))
  t.true(Array.isArray(id.protocols))
})

test('kubo-rpc-client add then cat round-trips the bytes with Kubo\'s CIDs', async t => {
  const added = await client.add('hello world\n', { cidVersion: 0 })
  t.is(added.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
  // Kubo's Size: the DAG size, block overhead included
  t.is(added.size, 20)
  t.is(await text(client.cat(added.cid)), 'hello world\n')
  t.is(await text(client.cat(added.cid, { offset: 6, length: 5 })), 'world')

  const modern = await client.add(new TextEncoder().encode('hello world\n'))
  t.is(modern.cid.toString(), 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
})

test('kubo-rpc-client addAll streams a directory and a multi-chunk file', async t => {
  const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251)
  const entries = []
  for await (const entry of client.addAll([
    { path: 'tree/small.txt', content: 'small\n' },
    { path: 'tree/big.bin', content: big }
  ], { wrapWithDirectory: false })) {
    entries.push(entry)
  }
  t.deepEqual(entries.map(e => e.path).sort(), ['tree', 'tree/big.bin', 'tree/small.txt'])
  t.is(entries.at(-1)?.path, 'tree')
  const back = Buffer.concat(await all(client.cat(`${entries.at(-1)?.cid.toString() ?? ''}/big.bin`)))
  t.true(Buffer.from(big).equals(back))
})

test('kubo-rpc-client pin.add and pin.ls see the same pins as the node', async t => {
  const added = await client.add('pin me\n', { pin: false })
  const before = await all(client.pin.ls({ type: 'recursive' }))
  t.false(before.some(p => p.cid.equals(added.cid)))

  const pinned = await client.pin.add(added.cid)
  t.true(pinned.equals(added.cid))

  const after = await all(client.pin.ls({ type: 'recursive' }))
  const mine = after.find(p => p.cid.equals(added.cid))
  t.is(mine?.type, 'recursive')
  const one = await all(client.pin.ls({ paths: [added.cid] }))
  t.is(one.length, 1)
  t.is(one[0]?.type, 'recursive')
})

test('kubo-rpc-client config.get and config.set use /api/v0/config KEY [VALUE] with bool and json values', async t => {
  t.is(await client.config.get('Addresses.Gateway'), served.node.config.Addresses.Gateway)
  await client.config.set('Addresses.Gateway', '/ip4/127.0.0.1/tcp/8091')
  t.is(await client.config.get('Addresses.Gateway'), '/ip4/127.0.0.1/tcp/8091')
  await client.config.set('Gateway.NoFetch', true) // sent with bool=true
  // @ts-expect-error kubo-rpc-client types config.get as string | object, but a boolean key reads back as a boolean
  t.is(await client.config.get('Gateway.NoFetch'), true)
  await client.config.set('Addresses.Swarm', ['/ip4/127.0.0.1/tcp/4011']) // sent with json=true
  t.deepEqual(await client.config.get('Addresses.Swarm'), ['/ip4/127.0.0.1/tcp/4011'])
  t.deepEqual(served.node.config.Addresses.Swarm, ['/ip4/127.0.0.1/tcp/4011'])
  await t.throwsAsync(client.config.get('Identity.PrivKey'), { message: /not shown/ })
  await t.throwsAsync(client.config.set('Gateway.NoFetch', 'maybe'), { message: /Gateway\.NoFetch/ })
})

test('kubo-rpc-client sees Kubo-shaped errors: a bad CID and an unknown endpoint', async t => {
  const bad = await t.throwsAsync(text(client.cat('not-a-cid')))
  t.regex(bad?.message ?? '', /invalid CID "not-a-cid"/)
  const unknown = await t.throwsAsync(client.diag.sys())
  t.regex(unknown?.message ?? '', /404 page not found/)
})

test('kubo-rpc-client with a bearer token passes; without it the call is refused', async t => {
  const guarded = await startRpcNode(config => {
    config.API.Authorizations = { alice: { AuthSecret: 'bearer:s3cret', AllowedPaths: ['/api/v0'] } }
  })
  t.teardown(guarded.stop)
  const good = create({ url: guarded.server.url, headers: { authorization: 'Bearer s3cret' } })
  t.is((await good.id()).id.toString(), guarded.node.config.Identity.PeerID)
  const anonymous = create({ url: guarded.server.url })
  const err = await t.throwsAsync(anonymous.id())
  t.regex(err?.message ?? '', /Access Denied/)
})

test('kubo-rpc-client add progress, ls, get (tar), dag.export and pin.rm work too', async t => {
  const progress: number[] = []
  const added = await client.add({ path: 'site/index.html', content: '<p>hi</p>\n' }, { wrapWithDirectory: true, progress: (bytes: number) => progress.push(bytes) })
  t.deepEqual(progress, [10])
  const listing = await all(client.ls(added.cid))
  t.deepEqual(listing.map(e => [e.name, e.type]), [['site', 'dir']])

  const tarBytes = Buffer.concat((await all(client.get(added.cid))).map(c => Buffer.from(c)))
  const { extract } = await import('tar-stream')
  const reader = extract()
  const { Readable } = await import('node:stream')
  Readable.from([tarBytes]).pipe(reader as unknown as NodeJS.WritableStream)
  const names: string[] = []
  for await (const entry of reader) {
    names.push(entry.header.name.replace(/\/$/, ''))
    entry.resume()
  }
  const root = added.cid.toString()
  t.deepEqual(names, [root, `${root}/site`, `${root}/site/index.html`])

  const car = await parseCar(Buffer.concat((await all(client.dag.export(added.cid))).map(c => Buffer.from(c))))
  t.deepEqual(car.roots, [root])
  t.true(await blocksVerify(car))
  // the root, the site directory and index.html, parents first, as ls names them
  const site = listing[0]?.cid.toString()
  const index = (await all(client.ls(`${root}/site`)))[0]?.cid.toString()
  t.deepEqual(car.cids, [root, site, index])

  const removed = await client.pin.rm(added.cid)
  t.true(removed.equals(added.cid))
  const left = await all(client.pin.ls({ type: 'recursive' }))
  t.false(left.some(p => p.cid.equals(added.cid)))
})
