import type { Libp2p, Peer, PeerData, PeerId } from '@libp2p/interface'

/** How long a peer's record, once written, answers merges it already holds without a write (ms). */
const defaultRefreshMs = 60_000

/** Peer stores already wrapped (Helia runs its mixins again on a restart). */
const wrapped = new WeakSet<object>()

/**
 * Spares the peer store the writes libp2p makes over and over for a connected peer: each
 * stream that opens, in either direction, merges its protocol into the remote peer's
 * record, and each DHT ADD_PROVIDER merges the provider's addresses; each merge is a
 * datastore read and write under that peer's write lock (the store writes even an
 * unchanged record, to note when it was updated). Every bitswap message was a stream of
 * its own, so fetching one block paid four of them before its bytes moved, and a peer
 * adding a file made each connected peer write its record once per block. A merge of
 * only protocols, or only addresses, that the record held when this node last wrote it,
 * less than `refreshMs` ago, is answered with that record instead; any other merge goes
 * through, as does the first one after `refreshMs` (it keeps the record's update time
 * fresh, which the peer store's expiry reads). Records are remembered only for connected
 * peers; a record changed in any way (a `peer:update`, say identify removing a protocol),
 * deleted, or of a peer that disconnected is written again on its next merge.
 */
export function coalescePeerMerges (libp2p: Pick<Libp2p, 'peerStore' | 'addEventListener' | 'getConnections'>, refreshMs = defaultRefreshMs): void {
  const peerStore = libp2p.peerStore
  if (wrapped.has(peerStore)) return
  wrapped.add(peerStore)
  const written = new Map<string, { peer: Peer, at: number }>()
  const merge = peerStore.merge.bind(peerStore)
  const remove = peerStore.delete.bind(peerStore)
  peerStore.merge = async (id, data: PeerData, options) => {
    if (!onlyProtocolsOrAddresses(data)) return await merge(id, data, options)
    const key = id.toString()
    const last = written.get(key)
    if (last != null && Date.now() - last.at < refreshMs && holds(last.peer, data)) return last.peer
    const peer = await merge(id, data, options)
    // entries go when their peer disconnects
    if (isConnected(libp2p, id)) written.set(key, { peer, at: Date.now() })
    return peer
  }
  peerStore.delete = async (id, options) => {
    written.delete(id.toString())
    await remove(id, options)
  }
  libp2p.addEventListener('peer:update', evt => { written.delete(evt.detail.peer.id.toString()) })
  libp2p.addEventListener('peer:disconnect', evt => { written.delete(evt.detail.toString()) })
}

function isConnected (libp2p: Pick<Libp2p, 'getConnections'>, id: PeerId): boolean {
  return libp2p.getConnections(id).length > 0
}

function onlyProtocolsOrAddresses (data: PeerData): boolean {
  const keys = Object.keys(data)
  return keys.length === 1 && ((keys[0] === 'protocols' && data.protocols != null) || (keys[0] === 'multiaddrs' && data.multiaddrs != null))
}

/** The multiaddr code of `/p2p/<peer id>`. */
const p2pCode = 421

/**
 * Whether the record already lists every protocol and address the merge brings (an
 * address ending in the peer's own `/p2p/<id>`, as DHT messages send them, is stored without it).
 */
function holds (peer: Peer, data: PeerData): boolean {
  return (data.protocols ?? []).every(p => peer.protocols.includes(p)) &&
    (data.multiaddrs ?? []).every(m => {
      const last = m.getComponents().at(-1)
      const bare = last?.code === p2pCode && last.value === peer.id.toString() ? m.decapsulateCode(p2pCode) : m
      return peer.addresses.some(a => a.multiaddr.equals(bare))
    })
}
