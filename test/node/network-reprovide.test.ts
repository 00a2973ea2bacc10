import test from 'ava'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import * as varint from 'uint8-varint'
import { repoGc } from '../../node/commands/repo.js'
import { selfProviderRecords } from '../../node/network/provider-records.js'
import { connectNodes, startNode, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import type { CID } from 'multiformats/cid'

const hour = 3_600_000
const hex = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')

/** kad-dht's provider-store key for `cid` and `peer` (as its utils write it). */
function recordKey (cid: CID, peer: string): Key {
  return new Key(`/dht/provider/${base32.baseEncode(cid.multihash.bytes)}/${peer}`)
}

async function selfRecords (node: TestNode): Promise<string[]> {
  const out: string[] = []
  for await (const { cid } of selfProviderRecords(node.node.helia.datastore, node.peerId)) out.push(hex(cid))
  return out.sort()
}

test('kad-dht\'s own reprovider re-announces nothing; its run still drops other peers\' expired records', async t => {
  const node = await startNode()
  t.teardown(node.stop)
  const datastore = node.node.helia.datastore
  const own = await node.node.fs.addBytes(randomBytes(100))
  const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const old = Date.now() - 47 * hour // inside kad-dht's reprovide window (24 h before the 48 h expiry)
  await datastore.put(recordKey(own, node.peerId), varint.encode(old))
  await datastore.put(recordKey(own, stranger), varint.encode(Date.now() - 49 * hour))
  t.deepEqual(await selfRecords(node), [hex(own)], 'the record is where Cairn looks for it')

  // kad-dht runs this every hour by itself
  const reprovider = (node.libp2p.services as { dht: { reprovider: { timeout?: NodeJS.Timeout, processRecords: (o: { signal: AbortSignal }) => Promise<void>, queueReprovide: (cid: unknown) => Promise<void> } } }).dht.reprovider
  // the run queues each re-announce inside its loop: count them as they are queued
  const queued: unknown[] = []
  const queueReprovide = reprovider.queueReprovide.bind(reprovider)
  reprovider.queueReprovide = async cid => { queued.push(cid); await queueReprovide(cid) }
  const scheduled = reprovider.timeout
  await reprovider.processRecords({ signal: AbortSignal.timeout(10_000) })
  clearTimeout(scheduled) // the run scheduled its own next run; stop() clears that one
  t.deepEqual(queued, [], 'nothing was queued for re-announcing')
  const time = Number(varint.decode(await datastore.get(recordKey(own, node.peerId))))
  t.is(time, old, 'our record was not provided again (a provide would rewrite its time)')
  t.false(await datastore.has(recordKey(own, stranger)), 'the expired record of another peer is gone')
})

test('after repo gc the reprovide sweep leaves the removed block out and the node stops listing itself as its provider', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(a, b)
  const loose = await a.node.fs.addBytes(randomBytes(1000))
  const pinned = await a.node.fs.addBytes(randomBytes(1000))
  for await (const _ of a.node.helia.pins.add(pinned)) { /* walk */ }
  await a.node.announce([loose, pinned])
  const both = [hex(loose), hex(pinned)].sort()
  await waitFor(async () => JSON.stringify(await selfRecords(a)) === JSON.stringify(both), 30_000)

  const removed: string[] = []
  for await (const v of repoGc.run({ node: a.node, signal: AbortSignal.timeout(10_000) }, { args: [], options: {} })) {
    if ('Key' in v) removed.push(v.Key['/'])
  }
  t.deepEqual(removed, [loose.toString()])
  const swept = await a.node.network?.reprovider.sweep()
  t.is(swept, 1, 'the sweep covers what the blockstore holds now')
  t.deepEqual(await selfRecords(a), [hex(pinned)], 'the record of the removed block is gone')
})
