// A real trustless client against Cairn's gateway: @helia/verified-fetch on a Helia
// light node whose only block source and only router is our gateway on loopback. Every
// block it gets is hash-checked by the client, so a wrong raw/CAR response fails here.
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { importFixture } from '../helpers/fixtures.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import type { Helia } from '@helia/interface'
import type { AddressInfo } from 'node:net'
import type { VerifiedFetch } from '@helia/verified-fetch'

let gw: TestGateway
let client: Helia
let verifiedFetch: VerifiedFetch
/** Every HTTP request the test process made, as origin + path (undici's diagnostics channel). */
const requests: string[] = []
/** Every TCP connection the test process opened, as host:port. */
const connections: string[] = []

function onRequest (message: unknown): void {
  const { request } = message as { request: { origin: string, path: string } }
  requests.push(`${String(request.origin)}${request.path}`)
}
function onSocket (message: unknown): void {
  const { socket } = message as { socket: { once: (event: string, fn: () => void) => void, remoteAddress?: string, remotePort?: number } }
  socket.once('connect', () => connections.push(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`))
}

test.before(async () => {
  subscribe('undici:request:create', onRequest)
  subscribe('net.client.socket', onSocket)
  gw = await startTestGateway()
  const [{ createHeliaLight }, { withHTTP }, { createVerifiedFetch }] = await Promise.all([
    import('helia'),
    import('@helia/http'),
    import('@helia/verified-fetch')
  ])
  // no delegated routers, our gateway as the only (fallback) router and block source
  client = withHTTP(createHeliaLight(), {
    delegatedRouters: [],
    recursiveGateways: [gw.url],
    allowLocal: true,
    allowInsecure: true
  })
  // Helia waits forever for providers when it has only fallback routers (its regular
  // router streams are what signal the end): a regular router that knows of nobody
  // lets it move on to the fallback, our gateway
  client.addRouter({ name: 'no-regular-providers', async * findProviders () {} })
  await client.start()
  verifiedFetch = await createVerifiedFetch(client)
})

test.after.always(async () => {
  await verifiedFetch?.stop()
  await client?.stop()
  await gw?.cleanup()
  unsubscribe('undici:request:create', onRequest)
  unsubscribe('net.client.socket', onSocket)
})

test.serial('verified-fetch retrieves and verifies a multi-block file through the trustless gateway', async t => {
  const data = randomBytes(700_000)
  const cid = await gw.node.fs.addBytes(data, { chunker: fixedSize({ chunkSize: 65_536 }), rawLeaves: true })
  const res = await verifiedFetch(`ipfs://${cid.toString()}`, { allowLocal: true, allowInsecure: true })
  t.is(res.status, 200)
  t.true(Buffer.from(await res.arrayBuffer()).equals(data))
  // the blocks came from our gateway's trustless responses
  const ours = requests.filter(r => r.startsWith(gw.url + '/ipfs/'))
  t.true(ours.length > 0)
  t.true(ours.every(r => /[?&]format=(raw|car)\b/.test(r)), ours.join('\n'))
})

test.serial('verified-fetch retrieves a directory entry by path, and a missing path is a 404', async t => {
  const dir = await importFixture(gw.node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
  const file = await verifiedFetch(`ipfs://${dir.toString()}/subdir/multiblock.txt`, { allowLocal: true, allowInsecure: true })
  t.is(file.status, 200)
  const held = async (path: string): Promise<Buffer> => {
    const pieces: Uint8Array[] = []
    for await (const piece of gw.node.fs.cat(dir, { path })) pieces.push(piece)
    return Buffer.concat(pieces)
  }
  const multiblock = Buffer.from(await file.arrayBuffer())
  t.is(multiblock.length, 1026)
  t.true(multiblock.equals(await held('subdir/multiblock.txt')))
  const hello = await verifiedFetch(`ipfs://${dir.toString()}/subdir/hello.txt`, { allowLocal: true, allowInsecure: true })
  t.is(hello.status, 200)
  t.true(Buffer.from(await hello.arrayBuffer()).equals(await held('subdir/hello.txt')))
  const missing = await verifiedFetch(`ipfs://${dir.toString()}/subdir/nope.txt`, { allowLocal: true, allowInsecure: true })
  t.is(missing.status, 404)
})

test.serial('the client really verifies: a gateway that alters one byte of each block is refused', async t => {
  // a proxy in front of our gateway; while `alter` is on it flips the last byte of every body
  let alter = false
  const altered: string[] = []
  const proxy = createServer((req, res) => {
    fetch(gw.url + (req.url ?? '/'), { headers: { accept: req.headers.accept ?? '*/*' } }).then(async upstream => {
      const body = Buffer.from(await upstream.arrayBuffer())
      if (alter && body.length > 0) {
        body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 0xff
        altered.push(req.url ?? '')
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' })
      res.end(body)
    }, () => { res.writeHead(502).end() })
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { proxy.close() })
  const address = proxy.address() as AddressInfo
  const [{ createHeliaLight }, { withHTTP }, { createVerifiedFetch }] = await Promise.all([
    import('helia'), import('@helia/http'), import('@helia/verified-fetch')
  ])
  const victim = withHTTP(createHeliaLight(), {
    delegatedRouters: [],
    recursiveGateways: [`http://127.0.0.1:${address.port}`],
    allowLocal: true,
    allowInsecure: true
  })
  victim.addRouter({ name: 'no-regular-providers', async * findProviders () {} })
  await victim.start()
  const victimFetch = await createVerifiedFetch(victim)
  t.teardown(async () => { await victimFetch.stop(); await victim.stop() })
  const fetchThroughProxy = async (cid: { toString(): string }): Promise<unknown> =>
    await victimFetch(`ipfs://${cid.toString()}`, { allowLocal: true, allowInsecure: true, signal: AbortSignal.timeout(4_000) }).catch((err: unknown) => err)

  // the control: through the same proxy, unaltered, the client gets the bytes, so what
  // differs below is only the flipped byte
  const intact = randomBytes(5000)
  const good = await fetchThroughProxy(await gw.node.fs.addBytes(intact, { rawLeaves: true })) as globalThis.Response
  t.is(good.status, 200)
  t.true(Buffer.from(await good.arrayBuffer()).equals(intact))

  alter = true
  const cid = await gw.node.fs.addBytes(randomBytes(5000), { rawLeaves: true })
  const res = await fetchThroughProxy(cid)
  t.true(altered.some(url => url.includes(cid.toString())), 'the proxy served the altered block')
  // either the fetch fails, or it answers with an error status: never the altered bytes
  t.true(res instanceof Error || (res as globalThis.Response).status >= 400)
})

test.serial('nothing was contacted but the gateway on 127.0.0.1', t => {
  t.true(requests.length > 0)
  for (const request of requests) t.true(request.startsWith('http://127.0.0.1:'), request)
  for (const connection of connections) t.regex(connection, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1):\d+$/)
})
