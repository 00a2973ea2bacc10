import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { coalescePeerMerges } from '../../node/network/peer-store-merges.js'
import { startNodes, stopNodes } from '../helpers/nodes.js'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Peer, PeerData, PeerId } from '@libp2p/interface'

/** A peer store that counts the merges reaching it, in a libp2p that only dispatches events. */
type FakeLibp2p = Pick<Libp2p, 'peerStore' | 'addEventListener' | 'getConnections'>

/**
 * A peer store that counts the merges reaching it, in a libp2p that only dispatches
 * events and says the peer is connected while `connected.value` is true.
 */
async function fakeLibp2p (): Promise<{ libp2p: FakeLibp2p, events: EventTarget, writes: PeerData[], peer: PeerId, connected: { value: boolean } }> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const events = new EventTarget()
  const writes: PeerData[] = []
  const connected = { value: true }
  let protocols: string[] = []
  let addresses: Multiaddr[] = []
  const peerStore = {
    async merge (id: PeerId, data: PeerData): Promise<Peer> {
      writes.push(data)
      protocols = [...new Set([...protocols, ...(data.protocols ?? [])])]
      addresses = [...addresses, ...(data.multiaddrs ?? []).filter(m => !addresses.some(a => a.equals(m)))]
      return { id, protocols, addresses: addresses.map(multiaddr => ({ multiaddr, isCertified: false })), metadata: new Map(), tags: new Map() }
    },
    async delete () {}
  }
  const libp2p = { peerStore, addEventListener: events.addEventListener.bind(events), getConnections: () => connected.value ? [{}] : [] } as unknown as FakeLibp2p
  return { libp2p, events, writes, peer, connected }
}

test('a protocol merge the record already holds is not written again; other merges are', async t => {
  const { libp2p, writes, peer } = await fakeLibp2p()
  coalescePeerMerges(libp2p)
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

test('an address merge the record already holds is not written again (a DHT ADD_PROVIDER per block); a new address is', async t => {
  const { libp2p, writes, peer } = await fakeLibp2p()
  coalescePeerMerges(libp2p)
  const a = multiaddr('/ip4/127.0.0.1/tcp/4001')
  const b = multiaddr('/ip4/127.0.0.1/tcp/4002')
  await libp2p.peerStore.merge(peer, { multiaddrs: [a] })
  for (let i = 0; i < 5; i++) await libp2p.peerStore.merge(peer, { multiaddrs: [a] })
  // as DHT messages send a provider's addresses
  await libp2p.peerStore.merge(peer, { multiaddrs: [a.encapsulate(`/p2p/${peer.toString()}`)] })
  t.is(writes.length, 1)
  await libp2p.peerStore.merge(peer, { multiaddrs: [a, b] })
  t.is(writes.length, 2, 'an address the record lacks is written')
  await libp2p.peerStore.merge(peer, { protocols: ['/ipfs/kad/1.0.0'] })
  t.is(writes.length, 3, 'a protocol the record lacks is written')
  await libp2p.peerStore.merge(peer, { multiaddrs: [b], protocols: ['/ipfs/kad/1.0.0'] })
  t.is(writes.length, 4, 'a merge of addresses and protocols together goes through')
})

test('the merges of a peer that is not connected are not remembered', async t => {
  const { libp2p, writes, peer, connected } = await fakeLibp2p()
  coalescePeerMerges(libp2p)
  connected.value = false
  const a = multiaddr('/ip4/127.0.0.1/tcp/4001')
  await libp2p.peerStore.merge(peer, { multiaddrs: [a] })
  await libp2p.peerStore.merge(peer, { multiaddrs: [a] })
  t.is(writes.length, 2)
})

test('a record updated, deleted, of a disconnected peer, or older than the refresh is written on its next merge', async t => {
  const { libp2p, events, writes, peer } = await fakeLibp2p()
  coalescePeerMerges(libp2p)
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
  coalescePeerMerges(stale.libp2p, 0)
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
