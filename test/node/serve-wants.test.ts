import test from 'ava'
import { randomBytes } from 'node:crypto'
import { cat } from '../../node/commands/cat.js'
import { bitswapEngine } from '../../node/network/fetch.js'
import { connectNodes, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

const MiB = 1024 * 1024

/** The parts of Helia's per-peer bitswap ledger these tests read. */
interface LedgerView {
  bytesReceived: number
  sendQueue: EventTarget
}

async function catBytes (node: TestNode, cid: CID, timeout = 30_000): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of cat.run({ node: node.node, signal: AbortSignal.timeout(timeout) }, { args: [cid.toString()], options: {} })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Helia's bitswap engine asked for a block. */
interface Wanting { want(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array> }

/** `node`'s bitswap ledger for `peer` (Helia makes it on the peer's first message). */
function ledgerOf (node: TestNode, peer: string): LedgerView | undefined {
  const ledgers = (bitswapEngine(node.node.helia) as unknown as { peerWantLists: { ledgerMap: { get(peer: PeerId): LedgerView | undefined } } }).peerWantLists.ledgerMap
  return ledgers.get(peerIdFromString(peer))
}

/** Counts the send jobs queued on `node`'s ledger for `peer` from now on. */
function countSendJobs (node: TestNode, peer: string): () => number {
  const ledger = ledgerOf(node, peer)
  if (ledger == null) throw new Error('no ledger for the peer yet')
  let jobs = 0
  ledger.sendQueue.addEventListener('add', () => { jobs++ })
  return () => jobs
}

test('a provider\'s blocks queue no send on the fetcher and are counted, while the fetcher\'s wants are served', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, fetcher] = nodes as [TestNode, TestNode]
  const first = randomBytes(1024)
  const firstCid = await holder.node.fs.addBytes(first)
  const data = randomBytes(4 * MiB)
  const cid = await holder.node.fs.addBytes(data)
  await connectNodes(fetcher, holder)
  // the first block makes each side's ledger for the other
  t.true((await catBytes(fetcher, firstCid)).equals(first))
  const fetcherJobs = countSendJobs(fetcher, holder.peerId)
  const holderJobs = countSendJobs(holder, fetcher.peerId)
  const before = ledgerOf(fetcher, holder.peerId)?.bytesReceived ?? 0

  t.true((await catBytes(fetcher, cid)).equals(data))
  t.is(fetcherJobs(), 0, 'the provider\'s messages held no wants: nothing was queued to send back')
  t.true(holderJobs() > 0, 'the fetcher\'s wants were served through the send queue')
  t.true((ledgerOf(fetcher, holder.peerId)?.bytesReceived ?? 0) - before >= data.length, 'the blocks received were counted')
})

test('a want whose block was missing is looked for again on the peer\'s next message, even one with no wants', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, fetcher] = nodes as [TestNode, TestNode]
  const late = randomBytes(2048)
  const lateCid = CID.createV1(raw.code, await sha256.digest(late))
  const ofFetcher = randomBytes(2048)
  const ofFetcherCid = await fetcher.node.fs.addBytes(ofFetcher, { rawLeaves: true })
  await connectNodes(fetcher, holder)

  // the fetcher's bitswap wants a block the holder does not have yet (asked of bitswap
  // itself: a fetch through Helia would soon fail, as no connected peer has the block)
  const fetching = (bitswapEngine(fetcher.node.helia) as unknown as Wanting).want(lateCid, { signal: AbortSignal.timeout(30_000) })
  await waitFor(() => ledgerOf(holder, fetcher.peerId) != null)
  // it arrives in the holder's repo without bitswap hearing of it
  await holder.node.repo.blockstore.put(lateCid, late)
  // past the 1 s between looks, the holder fetches from the fetcher: the blocks it is sent
  // are a message with no wants, and the missing want is looked for again on it
  await new Promise(resolve => setTimeout(resolve, 1_200))
  t.true((await catBytes(holder, ofFetcherCid)).equals(ofFetcher))
  t.true(Buffer.from(await fetching).equals(late))
})
