import test from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cat } from '../../node/commands/cat.js'
import { swarmConnect, swarmPeers } from '../../node/commands/swarm.js'
import { generateSwarmKey, readSwarmKey } from '../../node/network/swarm-key.js'
import { tempDir } from '../helpers/cli.js'
import { startNode, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'
import type { CommandCall, ValuesCommand } from '../../node/commands/command.js'

async function run<R> (command: ValuesCommand<R>, node: TestNode, call: Partial<CommandCall>, timeout = 20_000): Promise<R[]> {
  const values: R[] = []
  for await (const v of command.run({ node: node.node, signal: AbortSignal.timeout(timeout) }, { args: [], options: {}, ...call })) values.push(v)
  return values
}

test('swarm connect dials a peer and swarm peers lists it', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  const [connected] = await run(swarmConnect, a, { args: [b.addrs[0] as string] })
  t.deepEqual(connected?.Strings, [`connect ${b.peerId} success`])
  const [peers] = await run(swarmPeers, a, {})
  t.deepEqual(peers?.Peers.map(p => p.Peer), [b.peerId])
  t.regex(swarmPeers.text(peers as NonNullable<typeof peers>, {}) ?? '', new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${b.peerId}$`))
})

test('swarm connect refuses a malformed multiaddr with ERR_INVALID_MULTIADDR', async t => {
  const node = await startNode()
  t.teardown(node.stop)
  for (const bad of ['foo', '/ip4/999.1.1.1/tcp/1', '/ip4/127.0.0.1/tcp/notaport', '/bogus/1']) {
    const err = await t.throwsAsync(run(swarmConnect, node, { args: [bad] }))
    t.is((err as { code?: string }).code, 'ERR_INVALID_MULTIADDR', bad)
    t.true(err?.message.includes(bad))
  }
  t.is(node.libp2p.getConnections().length, 0)
})

test('a node with another swarm key can neither connect nor fetch', async t => {
  const key = generateSwarmKey()
  const nodes = await startNodes(2, { swarmKey: key, configure: c => { c.Fetch.Timeout = '2s' } })
  const outsider = await startNode({ swarmKey: generateSwarmKey(), configure: c => { c.Fetch.Timeout = '2s' } })
  const stranger = await startNode({ configure: c => { c.Fetch.Timeout = '2s' } })
  t.teardown(async () => { await stopNodes([...nodes, outsider, stranger]) })
  const [a, b] = nodes as [TestNode, TestNode]
  const data = randomBytes(200_000)
  const cid = await a.node.fs.addBytes(data)

  // same key: connect and fetch
  await run(swarmConnect, b, { args: [a.addrs[0] as string] })
  const chunks: Uint8Array[] = []
  for await (const c of cat.run({ node: b.node, signal: AbortSignal.timeout(30_000) }, { args: [cid.toString()], options: {} })) chunks.push(c)
  t.true(Buffer.concat(chunks).equals(data))

  // another key, or no key at all: the handshake fails
  for (const other of [outsider, stranger]) {
    await t.throwsAsync(run(swarmConnect, other, { args: [a.addrs[0] as string] }, 10_000))
    t.false(other.libp2p.getConnections().some(c => c.remotePeer.toString() === a.peerId))
    const err = await t.throwsAsync(async () => {
      for await (const _ of cat.run({ node: other.node, signal: AbortSignal.timeout(30_000) }, { args: [cid.toString()], options: {} })) { /* drain */ }
    })
    t.is((err as { code?: string }).code, 'ERR_TIMEOUT')
  }
})

test('a malformed swarm.key is refused with a message naming the file', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const path = join(dir.path, 'swarm.key')
  t.is(await readSwarmKey(path), undefined)
  await writeFile(path, '/key/swarm/psk/1.0.0/\n/base16/\nnothex\n')
  const err = await t.throwsAsync(readSwarmKey(path))
  t.is((err as { code?: string }).code, 'ERR_INVALID_CONFIG')
  t.true(err?.message.includes(path))
  await writeFile(path, generateSwarmKey())
  t.truthy(await readSwarmKey(path))
})
