import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { coalesceProtocolMerges } from '../../node/network/peer-store-merges.js'
import { startNodes, stopNodes } from '../helpers/nodes.js'
import type { Libp2p, Peer, PeerData, PeerId } from '@libp2p/interface'

/** A peer store that counts the merges reaching it, in a libp2p that only dispatches events. */
async function fakeLibp2p (): Promise<{ libp2p: Pick<Libp2p, 'peerStore' | 'addEventListener'>, events: EventTarget, writes: PeerData[], peer: PeerId }> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const events = new EventTarget()
  const writes: PeerData[] = []
  let protocols: string[] = []
  const peerStore = {
    async merge (id: PeerId, data: PeerData): Promise<Peer> {
      writes.push(data)
      protocols = [...new Set([...protocols, ...(data.protocols ?? [])])]
      return { id, protocols, addresses: [], metadata: new Map(), tags: new Map() }
    },
    async delete () {}
  }
  const libp2p = { peerStore, addEventListener: events.addEventListener.bind(events) } as unknown as Pick<Libp2p, 'peerStore' | 'addEventListener'>
  return { libp2p, events, writes, peer }
}

test('a protocol merge the record already holds is not written again; other merges are', async t => {
  const { libp2p, writes, peer } = await fakeLibp2p()
  coalesceProtocolMerges(libp2p)
  await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/bitswap/1.2.0'] })
  const again = await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/bitswap/1.2.0'] })
  t.deepEqual(again.protocols, ['/ipfs/bitswap/1.2.0'], 'answered with the record last written')
  t.is(writes.length, 1)
  await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/kad/1.0.0'] })
  t.is(writes.length, 2, 'a protocol the record lacks is written')
  await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/kad/1.0.0'] })
  await libp2p.peerStore.merge(peer, { tags: { x: { value: 1 } } })
  t.is(writes.length, 3, 'merges of anything but protocols always go through')
})

test('a record updated, deleted, of a disconnected peer, or older than the refresh is written on its next merge', async t => {
  const { libp2p, events, writes, peer } = await fakeLibp2p()
  coalesceProtocolMerges(libp2p)
  const merge = async (): Promise<void> => { await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/bitswap/1.2.0'] }) }
  await merge()
  events.dispatchEvent(new CustomEvent('peer:update', { detail: { peer: { id: peer } } }))
  await merge()
  t.is(writes.length, 2, 'after peer:update')
  await libp2p.peerStore.delete(peer)
  await merge()
  t.is(writes.length, 3, 'after delete')
  events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }))
  await merge()
  t.is(writes.length, 4, 'after peer:disconnect')

  const stale = await fakeLibp2p()
  coalesceProtocolMerges(stale.libp2p, 0)
  await stale.libp2p.peerStore.merge(stale.peer, { protocols: ['/ipfs/bitswap/1.2.0'] })
  await new Promise(resolve => setTimeout(resolve, 2))
  await stale.libp2p.peerStore.merge(stale.peer, { protocols: ['/ipfs/bitswap/1.2.0'] })
  t.is(stale.writes.length, 2, 'past the refresh time')
})

test('an online node coalesces the merges of its own peer store', async t => {
  const nodes = await startNodes(1)
  t.teardown(async () => { await stopNodes(nodes) })
  const peerStore = nodes[0]?.libp2p.peerStore as object & { merge: unknown }
  t.not(peerStore.merge, (Object.getPrototypeOf(peerStore) as { merge: unknown }).merge)
})
