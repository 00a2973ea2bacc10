import test from 'ava'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { cat } from '../../node/commands/cat.js'
import { startNode, stopNodes } from '../helpers/nodes.js'
import type { AddressInfo } from 'node:net'

/** An HTTP server that answers every trustless-gateway block request with `bytes`. */
async function lyingGateway (bytes: Uint8Array): Promise<{ url: string, requests: () => number, server: Server }> {
  let requests = 0
  const server = createServer((_req, res) => {
    requests++
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.raw' })
    res.end(bytes)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, server }
}

test('a block source that sends bytes of another hash is not believed: the read fails and nothing is stored', async t => {
  const source = await startNode()
  t.teardown(async () => { await source.stop() })
  const wanted = await source.node.fs.addBytes(randomBytes(2000), { rawLeaves: true })
  const liar = await lyingGateway(randomBytes(2000))
  t.teardown(() => { liar.server.close() })
  const reader = await startNode({
    configure: c => {
      c.Routing.Type = 'none'
      c.HTTPRetrieval = { Enabled: true, Peers: true, Gateways: [liar.url] }
      c.Fetch.Timeout = '3s'
    }
  })
  t.teardown(async () => { await stopNodes([reader]) })
  const read = async (): Promise<Buffer> => {
    const chunks: Uint8Array[] = []
    for await (const chunk of cat.run({ node: reader.node, signal: AbortSignal.timeout(20_000) }, { args: [wanted.toString()], options: {} })) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
  await t.throwsAsync(read)
  t.true(liar.requests() > 0, 'the gateway was asked')
  await reader.node.repo.blockstore.sync()
  t.false(await reader.node.repo.blockstore.has(wanted), 'the wrong bytes were not stored')
})
