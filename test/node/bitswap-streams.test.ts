import test from 'ava'
import { randomBytes } from 'node:crypto'
import { cat } from '../../node/commands/cat.js'
import { idleCloseMs } from '../../node/network/bitswap-streams.js'
import { connectNodes, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const bitswap = '/ipfs/bitswap/1.2.0'
const libp2pOf = (n: TestNode): Libp2p => (n.node.helia as typeof n.node.helia & { libp2p: Libp2p }).libp2p

async function catBytes (node: TestNode, cid: CID): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of cat.run({ node: node.node, signal: AbortSignal.timeout(30_000) }, { args: [cid.toString()], options: {} })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Counts the bitswap streams `node` opens (bitswap's network dials through the node's libp2p). */
function countBitswapDials (node: TestNode): () => number {
  const libp2p = libp2pOf(node)
  const dial = libp2p.dialProtocol.bind(libp2p)
  let dials = 0
  libp2p.dialProtocol = async (peer, protocols, options) => {
    if (protocols === bitswap) dials++
    return await dial(peer, protocols, options)
  }
  return () => dials
}

/** The bitswap streams open on `node`'s connection to `peer`, in one direction. */
function bitswapStreams (node: TestNode, peer: TestNode, direction: 'inbound' | 'outbound'): Stream[] {
  return libp2pOf(node).getConnections(libp2pOf(peer).peerId).flatMap(c => c.streams).filter(s => s.protocol === bitswap && s.direction === direction)
}

test('a node sends a peer its bitswap messages on one stream, opens another once the peer resets it, and closes it when idle', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, fetcher] = nodes as [TestNode, TestNode]
  const blobs = Array.from({ length: 12 }, () => randomBytes(2048))
  const cids = await Promise.all(blobs.map(async b => await holder.node.fs.addBytes(b, { rawLeaves: true })))
  await connectNodes(fetcher, holder)
  const dials = countBitswapDials(fetcher)
  for (let i = 0; i < 6; i++) t.true((await catBytes(fetcher, cids[i] as CID)).equals(blobs[i] as Buffer))
  // six wants and six cancels went out on one stream
  t.is(dials(), 1)
  t.is(bitswapStreams(fetcher, holder, 'outbound').length, 1)

  // the holder drops the stream: the next want opens a new one, and its block still arrives
  for (const s of bitswapStreams(holder, fetcher, 'inbound')) s.abort(new Error('test reset'))
  await new Promise(resolve => setTimeout(resolve, 200))
  for (let i = 6; i < 12; i++) t.true((await catBytes(fetcher, cids[i] as CID)).equals(blobs[i] as Buffer))
  t.is(dials(), 2)

  // an idle stream is closed before the receiver's 10 s timeout would abort it
  await new Promise(resolve => setTimeout(resolve, idleCloseMs + 1_000))
  t.is(bitswapStreams(fetcher, holder, 'outbound').length, 0)
})
