import type { Libp2p, Peer, PeerData } from '@libp2p/interface'

/** How long a peer's record, once written, answers protocol merges without a write (ms). */
const defaultRefreshMs = 60_000

/** Peer stores already wrapped (Helia runs its mixins again on a restart). */
const wrapped = new WeakSet<object>()

/**
 * Spares the peer store the write that libp2p makes each time a stream opens, in either
 * direction: it merges the stream's protocol into the remote peer's record, a datastore
 * read and write under that peer's write lock, about a millisecond each on a busy
 * machine. Every bitswap message is a stream of its own, so fetching one block from a
 * peer paid four of them (want out, want in, block out, block in) before its bytes
 * moved. A merge that only adds protocols the record listed when this node last wrote
 * it, less than `refreshMs` ago, is answered with that record instead; any other merge
 * goes through, as does the first one after `refreshMs` (it keeps the record's update
 * time fresh, which the peer store's expiry reads). A record changed in any way (a
 * `peer:update`, say identify removing a protocol), deleted, or of a peer that
 * disconnected is written again on its next merge.
 */
export function coalesceProtocolMerges (libp2p: Pick<Libp2p, 'peerStore' | 'addEventListener'>, refreshMs = defaultRefreshMs): void {
  const peerStore = libp2p.peerStore
  if (wrapped.has(peerStore)) return
  wrapped.add(peerStore)
  const written = new Map<string, { peer: Peer, at: number }>()
  const merge = peerStore.merge.bind(peerStore)
  const remove = peerStore.delete.bind(peerStore)
  peerStore.merge = async (id, data: PeerData, options) => {
    if (!onlyProtocols(data)) return await merge(id, data, options)
    const key = id.toString()
    const last = written.get(key)
    if (last != null && Date.now() - last.at < refreshMs && data.protocols.every(p => last.peer.protocols.includes(p))) {
      return last.peer
    }
    const peer = await merge(id, data, options)
    // only the stream-open merges are remembered: they come from connected peers, whose
    // entries go when they disconnect
    written.set(key, { peer, at: Date.now() })
    return peer
  }
  peerStore.delete = async (id, options) => {
    written.delete(id.toString())
    await remove(id, options)
  }
  libp2p.addEventListener('peer:update', evt => { written.delete(evt.detail.peer.id.toString()) })
  libp2p.addEventListener('peer:disconnect', evt => { written.delete(evt.detail.toString()) })
}

function onlyProtocols (data: PeerData): data is PeerData & { protocols: string[] } {
  return data.protocols != null && Object.keys(data).every(k => k === 'protocols')
}
