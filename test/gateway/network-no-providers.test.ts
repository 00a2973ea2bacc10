import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startGateway } from '../../gateway/server.js'
import { connectNodes, startNode, type TestNode } from '../helpers/nodes.js'
import { httpGet } from '../helpers/gateway.js'

/** A CID no node has (sha256 of "cairn gateway: nobody has this"). */
const nowhere = 'bafkreigclf2aoyn7epd4jweykjgpcwulu3oyfmwpwkdlhluqpfxc2ww7oy'

async function onlineGateway (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ node: TestNode, peer: TestNode, url: string }> {
  const configure = (c: Parameters<NonNullable<Parameters<typeof startNode>[0]>['configure'] & object>[0]): void => {
    c.Fetch.Timeout = '1m'
    c.Gateway.RetrievalTimeout = '1m'
  }
  const node = await startNode({ configure })
  t.teardown(node.stop)
  const peer = await startNode({ configure })
  t.teardown(peer.stop)
  await connectNodes(node, peer)
  const gateway = await startGateway(node.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(gateway.close)
  return { node, peer, url: gateway.url }
}

test('a CID nobody has answers 502 on an online gateway with peers, long before the retrieval timeout', async t => {
  const { url } = await onlineGateway(t)
  for (const path of [`/ipfs/${nowhere}`, `/ipfs/${nowhere}?format=raw`, `/ipfs/${nowhere}?format=car`]) {
    const started = Date.now()
    const r = await httpGet(url, path)
    const took = Date.now() - started
    t.log(`${path}: ${r.status} after ${took} ms (RetrievalTimeout and Fetch.Timeout 1m)`)
    t.is(r.status, 502, path)
    t.regex(r.text, /^502 no provider found for block/)
    t.is(r.headers['retry-after'], undefined)
    t.true(took < 15_000)
  }
})

test('content a peer holds but the gateway\'s denylist blocks is refused (410) and not fetched', async t => {
  const { node, peer, url } = await onlineGateway(t)
  const cid = await peer.node.fs.addBytes(new TextEncoder().encode('held by the peer, blocked here'))
  await mkdir(join(node.repo, 'denylists'), { recursive: true })
  await writeFile(join(node.repo, 'denylists', 'a.deny'), `/ipfs/${cid}\n`)
  const r = await httpGet(url, `/ipfs/${cid}`)
  t.is(r.status, 410)
  t.false(await node.node.repo.blockstore.has(cid))
  t.is(node.node.network?.ledger.peer(peer.peerId).BlocksReceived, 0)
})
