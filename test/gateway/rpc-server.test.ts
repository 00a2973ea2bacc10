import '../../node/polyfill.js'
import test from 'ava'
import { join } from 'node:path'
import { formatTcpMultiaddr, httpUrlOf, parseTcpMultiaddr } from '../../config/tcp-address.js'
import { authorizationHeaderFor } from '../../config/auth-secret.js'
import { ConfigError } from '../../node/errors.js'
import { createNode } from '../../node/node.js'
import { initRepo, openRepo } from '../../node/repo/repo.js'
import { startRpcServer } from '../../gateway/rpc/server.js'
import { tempDir } from '../helpers/cli.js'

test('TCP multiaddrs parse to host and port, and bad ones name the address', t => {
  t.deepEqual(parseTcpMultiaddr('/ip4/127.0.0.1/tcp/5001'), { host: '127.0.0.1', port: 5001, family: 'ip4' })
  t.deepEqual(parseTcpMultiaddr('/ip6/::1/tcp/0'), { host: '::1', port: 0, family: 'ip6' })
  t.deepEqual(parseTcpMultiaddr('/dns4/localhost/tcp/80/http\n'), { host: 'localhost', port: 80, family: 'dns' })
  for (const bad of ['', '127.0.0.1:5001', '/ip4/127.0.0.1/udp/5001', '/ip4/127.0.0.1/tcp/70000', '/ip4/127.0.0.1/tcp/5001/ws']) {
    t.throws(() => parseTcpMultiaddr(bad), { instanceOf: ConfigError, message: /invalid TCP multiaddr/ }, bad)
  }
  t.is(formatTcpMultiaddr('::1', 8080), '/ip6/::1/tcp/8080')
  t.is(httpUrlOf(parseTcpMultiaddr('/ip6/::1/tcp/8080')), 'http://[::1]:8080')
})

test('AuthSecret values turn into the Authorization header Kubo expects', t => {
  t.is(authorizationHeaderFor('bearer:tok'), 'Bearer tok')
  t.is(authorizationHeaderFor('tok'), 'Bearer tok')
  t.is(authorizationHeaderFor('basic:user:pass'), 'Basic ' + Buffer.from('user:pass').toString('base64'))
  t.is(authorizationHeaderFor('basic:dXNlcjpwYXNz'), 'Basic dXNlcjpwYXNz')
  t.is(authorizationHeaderFor('digest:x'), undefined)
  t.is(authorizationHeaderFor(''), undefined)
})

test('startRpcServer binds port 0 to a real port, reports its multiaddr, and close() frees it', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const repo = join(dir.path, 'repo')
  await initRepo(repo, 'local')
  const node = await createNode(await openRepo(repo))
  t.teardown(async () => { await node.stop() })

  const server = await startRpcServer(node, '/ip4/127.0.0.1/tcp/0')
  const { port } = parseTcpMultiaddr(server.multiaddr)
  t.true(port > 0)
  t.is(server.url, `http://127.0.0.1:${port}`)
  t.is((await fetch(`${server.url}/api/v0/id`, { method: 'POST' })).status, 200)
  await t.throwsAsync(startRpcServer(node, server.multiaddr), { code: 'EADDRINUSE' })
  const manyArgs = new URLSearchParams(Array.from({ length: 2000 }, (_, i): [string, string] => ['arg', `bafkqaaa-not-a-cid-${i}`]))
  const long = await fetch(`${server.url}/api/v0/pin/ls?${manyArgs.toString()}`, { method: 'POST' })
  t.is(long.status, 400, 'a 2000-argument query is read, not refused as too large')
  t.regex(((await long.json()) as { Message: string }).Message, /invalid CID/)
  await server.close()
  await t.throwsAsync(fetch(`${server.url}/api/v0/id`, { method: 'POST' }))

  const six = await startRpcServer(node, '/ip6/::1/tcp/0')
  t.regex(six.multiaddr, /^\/ip6\/::1\/tcp\/\d+$/)
  t.is((await fetch(`${six.url}/api/v0/id`, { method: 'POST' })).status, 200)
  await six.close()

  await t.throwsAsync(startRpcServer(node, 'localhost:5001'), { instanceOf: ConfigError })
})
