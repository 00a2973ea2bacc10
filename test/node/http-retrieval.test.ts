import test from 'ava'
import { randomBytes } from 'node:crypto'
import { cat } from '../../node/commands/cat.js'
import { startGateway } from '../../gateway/server.js'
import { collectGarbage } from '../../node/pins/gc.js'
import { startNode, stopNodes } from '../helpers/nodes.js'

test('a trustless HTTP gateway from HTTPRetrieval.Gateways is a second block source; fetched blocks are kept until GC', async t => {
  const source = await startNode()
  const gateway = await startGateway(source.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(async () => { await gateway.close(); await source.stop() })
  const data = randomBytes(2 * 1024 * 1024 + 1000)
  const cid = await source.node.fs.addBytes(data)

  // no DHT, no peers: the gateway is the only way to the blocks
  const reader = await startNode({
    configure: c => {
      c.Routing.Type = 'none'
      c.HTTPRetrieval = { Enabled: true, Peers: true, Gateways: [gateway.url] }
      c.Fetch.Timeout = '20s'
    }
  })
  t.teardown(async () => { await stopNodes([reader]) })
  const chunks: Uint8Array[] = []
  for await (const chunk of cat.run({ node: reader.node, signal: AbortSignal.timeout(60_000) }, { args: [cid.toString()], options: {} })) chunks.push(chunk)
  t.true(Buffer.concat(chunks).equals(data))
  t.is(reader.libp2p.getConnections().length, 0, 'nothing came over libp2p')
  t.true(await reader.node.repo.blockstore.has(cid), 'fetched blocks are kept')
  const removed = []
  for await (const r of collectGarbage(reader.node)) removed.push(r)
  t.is(removed.filter(r => r.kind === 'block').length, 4, 'unpinned fetched blocks are GC-able (root + 3 leaves)')
  t.false(await reader.node.repo.blockstore.has(cid))
})
