import test from 'ava'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { startGateway } from '../../gateway/server.js'
import { httpGet } from '../helpers/gateway.js'
import { startRpcNode } from '../helpers/rpc.js'

/** A raw TCP connection to an `http://host:port` URL that has sent `head` and nothing more. */
async function rawSocket (url: string, head: string): Promise<{ socket: Socket, received: () => string, closed: Promise<unknown> }> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let text = ''
  socket.on('data', (b: Buffer) => { text += b.toString() })
  socket.on('error', () => {})
  const closed = once(socket, 'close')
  await once(socket, 'connect')
  socket.write(head)
  return { socket, received: () => text, closed }
}

const partial = 'GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '

test('sockets that never finish their headers are closed, the cap answers 503, and the RPC API keeps working', async t => {
  const rpc = await startRpcNode(config => {
    config.Gateway.HeadersTimeout = '400ms'
    config.Gateway.MaxConnections = 4
    config.API.HeadersTimeout = '400ms'
  })
  t.teardown(async () => { await rpc.stop() })
  const gateway = await startGateway(rpc.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(async () => { await gateway.close() })

  const slow = await Promise.all(Array.from({ length: 4 }, async () => await rawSocket(gateway.url, partial)))
  // the cap is reached: one more connection is told so and closed, while the RPC API answers
  const extra = await rawSocket(gateway.url, 'GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  await extra.closed
  t.regex(extra.received(), /^HTTP\/1\.1 503 Service Unavailable\r\n/)
  t.is((await rpc.post('id')).status, 200)

  // the slow sockets are dropped once the header timeout passes (Node answers 408)
  for (const s of slow) {
    await s.closed
    t.regex(s.received(), /^(HTTP\/1\.1 408 |$)/)
  }
  const after = await httpGet(gateway.url, '/ipfs/bafkqaaa')
  t.is(after.status, 200)

  const slowRpc = await rawSocket(rpc.server.url, 'POST /api/v0/id HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
  await slowRpc.closed
  t.pass('the RPC API drops a socket that never finishes its headers')
})

test('an idle keep-alive connection is closed after Gateway.IdleTimeout', async t => {
  const rpc = await startRpcNode(config => { config.Gateway.IdleTimeout = '300ms' })
  t.teardown(async () => { await rpc.stop() })
  const gateway = await startGateway(rpc.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(async () => { await gateway.close() })
  const client = await rawSocket(gateway.url, 'GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
  await client.closed
  t.regex(client.received(), /^HTTP\/1\.1 200 OK\r\n/)
})
