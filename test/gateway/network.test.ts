import test from 'ava'
import { request } from 'node:http'
import { bitswapEngine } from '../../node/network/fetch.js'
import { startGateway } from '../../gateway/server.js'
import { connectNodes, startNode, waitFor, type TestNode } from '../helpers/nodes.js'
import { httpGet } from '../helpers/gateway.js'

/** A CID no node has (sha256 of "cairn gateway: nobody has this"). */
const nowhere = 'bafkreigclf2aoyn7epd4jweykjgpcwulu3oyfmwpwkdlhluqpfxc2ww7oy'

/** True while the node's bitswap wants `nowhere`; throws when the engine cannot be found. */
function wantsNowhere (node: TestNode): boolean {
  const engine = bitswapEngine(node.node.helia)
  if (engine == null) throw new Error('the bitswap engine is not where node/network/fetch.ts looks for it')
  return engine.getWantlist().some(w => w.cid.toString() === nowhere)
}

async function onlineGateway (t: { teardown: (fn: () => Promise<void>) => void }, configure: Parameters<typeof startNode>[0] = {}): Promise<{ node: TestNode, url: string }> {
  const node = await startNode(configure)
  t.teardown(node.stop)
  const gateway = await startGateway(node.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(gateway.close)
  return { node, url: gateway.url }
}

test('content held by another node is fetched over bitswap and streamed', async t => {
  const { node, url } = await onlineGateway(t)
  const holder = await startNode()
  t.teardown(holder.stop)
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 11)) & 0xff)
  const cid = await holder.node.fs.addBytes(bytes)
  await connectNodes(node, holder)
  const r = await httpGet(url, `/ipfs/${cid}`)
  t.is(r.status, 200)
  t.true(Buffer.from(bytes).equals(r.body))
  t.true(await node.node.repo.blockstore.has(cid))
})

test('a retrieval that makes no progress for Gateway.RetrievalTimeout answers 504 with Retry-After', async t => {
  const { url } = await onlineGateway(t, {
    configure: c => {
      c.Gateway.RetrievalTimeout = '1s'
      c.Fetch.Timeout = '1m'
    }
  })
  // the message names the timeout that fired: RetrievalTimeout (1s), not Fetch.Timeout (1m)
  const r = await httpGet(url, `/ipfs/${nowhere}`)
  t.is(r.status, 504)
  t.truthy(r.headers['retry-after'])
  t.regex(r.text, /^504 .*RetrievalTimeout/)
})

test('Fetch.Timeout expiring first is a 504 too', async t => {
  const { url } = await onlineGateway(t, {
    configure: c => {
      c.Gateway.RetrievalTimeout = '1m'
      c.Fetch.Timeout = '1s'
    }
  })
  const r = await httpGet(url, `/ipfs/${nowhere}`)
  t.is(r.status, 504)
  t.truthy(r.headers['retry-after'])
})

test('only-if-cached on an online node answers 412 at once instead of fetching', async t => {
  const { node, url } = await onlineGateway(t, { configure: c => { c.Fetch.Timeout = '1m'; c.Gateway.RetrievalTimeout = '1m' } })
  // a fetch would have waited the minute of Fetch.Timeout and answered 504
  const r = await httpGet(url, `/ipfs/${nowhere}`, { headers: { 'Cache-Control': 'only-if-cached' } })
  t.is(r.status, 412)
  t.false(wantsNowhere(node))
})

test('a client that disconnects cancels the fetch (the want leaves the bitswap want list)', async t => {
  const { node, url } = await onlineGateway(t, { configure: c => { c.Fetch.Timeout = '1m'; c.Gateway.RetrievalTimeout = '1m' } })
  const wanted = (): boolean => wantsNowhere(node)
  const { hostname, port } = new URL(url)
  const req = request({ host: hostname, port, path: `/ipfs/${nowhere}`, agent: false })
  req.on('error', () => {})
  req.end()
  await waitFor(() => wanted(), 10_000)
  req.destroy()
  await waitFor(() => !wanted(), 10_000)
  t.false(wanted())
})

test('with Gateway.NoFetch the gateway serves local content only: 404 at once for the rest', async t => {
  const { node, url } = await onlineGateway(t, { configure: c => { c.Gateway.NoFetch = true; c.Fetch.Timeout = '1m'; c.Gateway.RetrievalTimeout = '1m' } })
  const local = await node.node.fs.addBytes(new TextEncoder().encode('local bytes'))
  t.is((await httpGet(url, `/ipfs/${local}`)).text, 'local bytes')
  const r = await httpGet(url, `/ipfs/${nowhere}`)
  t.is(r.status, 404)
  t.regex(r.text, /NoFetch/)
  t.false(wantsNowhere(node))
})
