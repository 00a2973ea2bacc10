import test from 'ava'
import { randomBytes } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { cat } from '../../node/commands/cat.js'
import { readWholeBlock } from '../../node/unixfs/whole-blocks.js'
import { connectNodes, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

async function catBytes (node: TestNode, cid: CID): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of cat.run({ node: node.node, signal: AbortSignal.timeout(60_000) }, { args: [cid.toString()], options: {} })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

test('two providers of one file each send a share of it, and together not much more than the file', async t => {
  const nodes = await startNodes(3)
  t.teardown(async () => { await stopNodes(nodes) })
  const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode]
  const data = randomBytes(8 * MiB)
  const cid = await n1.node.fs.addBytes(data)
  t.is((await n2.node.fs.addBytes(data)).toString(), cid.toString())
  await connectNodes(n3, n1)
  await connectNodes(n3, n2)
  t.true((await catBytes(n3, cid)).equals(data))
  const sent = [n1, n2].map(n => n.node.network?.ledger.peer(n3.peerId).DataSent ?? 0)
  t.log(`bytes sent by node 1: ${sent[0]}, by node 2: ${sent[1]}`)
  t.true(sent.every(bytes => bytes > 0), 'both providers sent blocks')
  // each want goes as WANT_BLOCK to one provider: asked of both, each sent the whole file
  // (16 MiB together); a want re-asked of both after 5 s may add a block or two
  t.true((sent[0] as number) + (sent[1] as number) < 1.5 * data.length, 'the providers sent the file about once, not once each')
})

test('a provider that lacks some blocks says DONT_HAVE and the other sends them, without waiting for a re-ask', async t => {
  // Fetch.Timeout below the 5 s after which a want held by a silent peer is re-asked of all
  const nodes = await startNodes(3, { configure: c => { c.Fetch.Timeout = '4s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode]
  const data = randomBytes(4 * MiB)
  const cid = await n1.node.fs.addBytes(data)
  // node 2 holds the root and every other leaf
  const root = dagPb.decode(await readWholeBlock(n1.node.repo.blockstore, cid))
  const kept = [cid, ...root.Links.filter((_, i) => i % 2 === 0).map(l => l.Hash)]
  for (const c of kept) await n2.node.repo.blockstore.put(c, await readWholeBlock(n1.node.repo.blockstore, c))
  await connectNodes(n3, n1)
  await connectNodes(n3, n2)
  t.true((await catBytes(n3, cid)).equals(data))
  const fromN2 = n3.node.network?.ledger.peer(n2.peerId).BlocksReceived ?? 0
  const fromN1 = n3.node.network?.ledger.peer(n1.peerId).BlocksReceived ?? 0
  t.log(`blocks from node 1: ${fromN1}, from node 2: ${fromN2} (it holds ${kept.length} of ${root.Links.length + 1})`)
  t.true(fromN1 >= root.Links.length - kept.length + 1, 'node 1 sent the leaves node 2 lacks')
  t.true(fromN2 <= kept.length, 'node 2 sent only blocks it holds')
})
