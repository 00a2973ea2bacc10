import test from 'ava'
import { connectNodes, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import { findCommand } from '../../node/commands/index.js'
import type { Config } from '../../config/config.js'
import type { ValuesCommand } from '../../node/commands/command.js'

async function addText (node: TestNode, text: string): Promise<string> {
  const cid = await node.node.fs.addBytes(new TextEncoder().encode(text))
  return cid.toString()
}

async function catText (node: TestNode, cid: string): Promise<string> {
  const { CID } = await import('multiformats/cid')
  const chunks: Uint8Array[] = []
  for await (const chunk of node.node.fs.cat(CID.parse(cid), { signal: AbortSignal.timeout(30_000) })) chunks.push(chunk)
  return Buffer.concat(chunks).toString()
}

/** A-B-C in a line: C is connected to B only. */
async function line (configure?: (config: Config) => void): Promise<TestNode[]> {
  const nodes = await startNodes(3, configure != null ? { configure } : {})
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
  await connectNodes(a, b)
  await connectNodes(c, b)
  // let the routing tables fill from identify
  await waitFor(() => a.libp2p.getPeers().length > 0 && c.libp2p.getPeers().length > 0)
  return nodes
}

test.serial('A publishes, C (connected to B only) resolves the name through the DHT and fetches the content; with pubsub C sees the next version', async t => {
  const nodes = await line()
  try {
    const [a, , c] = nodes as [TestNode, TestNode, TestNode]
    const first = await addText(a, 'version one\n')
    const published = await a.node.names.publish(`/ipfs/${first}`)
    t.is(published.name, a.libp2p.peerId.toCID().toString((await import('multiformats/bases/base36')).base36))
    const resolved = await c.node.names.resolve(`/ipns/${published.name}`)
    t.is(resolved.path, `/ipfs/${first}`)
    t.is(await catText(c, first), 'version one\n')

    // C now holds the record and subscribes to its topic: the next version arrives by pubsub
    const second = await addText(a, 'version two\n')
    const startedAt = Date.now()
    await a.node.names.publish(`/ipfs/${second}`)
    await waitFor(async () => (await c.node.names.resolve(`/ipns/${published.name}`)).path === `/ipfs/${second}`, 5_000, 50)
    t.log(`C saw the new version ${Date.now() - startedAt} ms after A's publish`)
    t.is((await c.node.names.getRecord(published.name)).sequence, 1n)
  } finally {
    await stopNodes(nodes)
  }
})

test.serial('without pubsub, C keeps its cached record and --nocache asks the DHT for the new one', async t => {
  const nodes = await line(config => { config.Ipns.UsePubsub = false })
  try {
    const [a, , c] = nodes as [TestNode, TestNode, TestNode]
    const first = await addText(a, 'one\n')
    const { name } = await a.node.names.publish(`/ipfs/${first}`)
    t.is((await c.node.names.resolve(name)).path, `/ipfs/${first}`)
    const second = await addText(a, 'two\n')
    await a.node.names.publish(`/ipfs/${second}`)
    // within the TTL the held record answers
    t.is((await c.node.names.resolve(name)).path, `/ipfs/${first}`)
    // --stream: the held answer at once, then the better one the DHT turns up
    const streamed: string[] = []
    const resolve = findCommand(['name', 'resolve']) as ValuesCommand<{ Path: string }>
    for await (const value of resolve.run({ node: c.node, signal: AbortSignal.timeout(30_000) }, { args: [name], options: { stream: true } })) streamed.push(value.Path)
    t.deepEqual(streamed, [`/ipfs/${first}`, `/ipfs/${second}`])
    t.is((await c.node.names.resolve(name, { nocache: true })).path, `/ipfs/${second}`)
    t.is(await catText(c, second), 'two\n')
  } finally {
    await stopNodes(nodes)
  }
})

test.serial('a key imported on a second node continues the sequence found on the network instead of going backwards', async t => {
  const nodes = await line(config => { config.Ipns.UsePubsub = false })
  try {
    const [a, , c] = nodes as [TestNode, TestNode, TestNode]
    await a.node.names.keystore.generate('shared')
    await a.node.names.publish('/ipfs/bafkqaaa', { key: 'shared' })
    const { name } = await a.node.names.publish('/ipfs/bafkqaaa', { key: 'shared' })
    await c.node.names.keystore.import('shared', await a.node.names.keystore.export('shared'))
    await c.node.names.publish('/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi', { key: 'shared' })
    t.is((await c.node.names.getRecord(name)).sequence, 2n)
    t.is((await a.node.names.resolve(name, { nocache: true })).path, '/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi')
  } finally {
    await stopNodes(nodes)
  }
})

test.serial('the republisher re-announces every key\'s latest record with the next sequence', async t => {
  const nodes = await line(config => { config.Ipns.UsePubsub = false })
  try {
    const [a, , c] = nodes as [TestNode, TestNode, TestNode]
    const { name } = await a.node.names.publish('/ipfs/bafkqaaa')
    t.is(await a.node.names.republish(), 1)
    const found = await c.node.names.getRecord(name, { nocache: true })
    t.is(found.sequence, 1n)
    t.is(found.value, '/ipfs/bafkqaaa')
  } finally {
    await stopNodes(nodes)
  }
})

test.serial('a name nobody published is ERR_NOT_FOUND, saying how many DHT peers answered', async t => {
  const nodes = await line()
  try {
    const [, , c] = nodes as [TestNode, TestNode, TestNode]
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const { base36 } = await import('multiformats/bases/base36')
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toCID().toString(base36)
    const err = await t.throwsAsync(c.node.names.resolve(`/ipns/${nobody}`, { signal: AbortSignal.timeout(30_000) }))
    t.is((err as { code?: string }).code, 'ERR_NOT_FOUND')
    t.regex(err?.message ?? '', new RegExp(`^could not resolve name "${nobody}": no record found \\([12] DHT peers? answered without one\\)$`))
  } finally {
    await stopNodes(nodes)
  }
})
