import test from 'ava'
import { randomBytes } from 'node:crypto'
import { cat } from '../../node/commands/cat.js'
import { bitswapEngine } from '../../node/network/fetch.js'
import { connectNodes, startNode, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'

/** A CID no node has (sha256 of "cairn: nobody has this block"). */
const nowhere = 'bafkreih3q5pboyny7hhx5gqul3sufutgz5amq3mgfirw6rvr4h7i7qvmsm'

async function catBytes (node: TestNode, cid: string, timeout = 60_000): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of cat.run({ node: node.node, signal: AbortSignal.timeout(timeout) }, { args: [cid], options: {} })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

test('a block nobody has fails with ERR_NO_PROVIDERS long before Fetch.Timeout when the node has peers', async t => {
  const nodes = await startNodes(3, { configure: c => { c.Fetch.Timeout = '1m' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
  await connectNodes(a, b)
  await connectNodes(b, c)
  const started = Date.now()
  const err = await t.throwsAsync(catBytes(a, nowhere))
  const took = Date.now() - started
  t.log(`ERR_NO_PROVIDERS after ${took} ms (Fetch.Timeout 1m)`)
  t.is((err as { code?: string }).code, 'ERR_NO_PROVIDERS', err?.message)
  t.regex(err?.message ?? '', /^no provider found for block \S+: the DHT lists none and none of the \d+ connected peers? has it$/)
  t.true(took < 15_000)
  // the want was withdrawn
  t.false(bitswapEngine(a.node.helia)?.getWantlist().some(w => w.cid.toString() === nowhere) ?? true)
})

test('with no peer at all a fetch waits for Fetch.Timeout and fails with ERR_TIMEOUT', async t => {
  const node = await startNode({ configure: c => { c.Fetch.Timeout = '2s' } })
  t.teardown(node.stop)
  const started = Date.now()
  const err = await t.throwsAsync(catBytes(node, nowhere))
  t.is((err as { code?: string }).code, 'ERR_TIMEOUT')
  t.true(Date.now() - started >= 1_900)
})

test('a connected peer that holds the block but answers slowly is waited for, though the DHT lists nobody', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '1m' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, reader] = nodes as [TestNode, TestNode]
  const data = randomBytes(5000)
  const cid = await holder.node.fs.addBytes(data) // not announced: the DHT has no record
  // the holder's bitswap answers 2.5 s late
  const network = bitswapEngine(holder.node.helia)?.network as { sendMessage: (...args: unknown[]) => Promise<void> }
  const send = network.sendMessage
  network.sendMessage = async (...args) => {
    await new Promise(resolve => setTimeout(resolve, 2_500))
    await send(...args)
  }
  await connectNodes(reader, holder)
  const started = Date.now()
  const bytes = await catBytes(reader, cid.toString())
  t.log(`the slow holder's block arrived after ${Date.now() - started} ms`)
  t.true(bytes.equals(data))
  t.true(Date.now() - started >= 2_000)
})
