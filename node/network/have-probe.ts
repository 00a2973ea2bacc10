import { bitswapEngine } from './fetch.js'
import type { Helia } from '@helia/interface'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The parts of Helia's bitswap engine a HAVE probe uses (not exported by @helia/bitswap). */
interface ProbeEngine {
  wantList: EventTarget
  network: { sendMessage: (peer: PeerId, message: ProbeMessage) => Promise<void> }
}

/** The shape of @helia/bitswap's queued message (its class is not exported). */
interface ProbeMessage {
  full: boolean
  pendingBytes: number
  wantlist: Map<string, { cid: Uint8Array, priority: number, cancel: boolean, wantType: 'WantHave', sendDontHave: boolean }>
  blocks: Map<string, never>
  blockPresences: Map<string, never>
}

function wantHave (cid: CID, cancel: boolean): ProbeMessage {
  return {
    full: false,
    pendingBytes: 0,
    wantlist: new Map([[cid.toString(), { cid: cid.bytes, priority: 1, cancel, wantType: 'WantHave', sendDontHave: true }]]),
    blocks: new Map<string, never>(),
    blockPresences: new Map<string, never>()
  }
}

/**
 * Asks every connected peer whether it holds a block (a bitswap WANT_HAVE with
 * send-dont-have) and returns the peers that answered HAVE within `timeoutMs`, or as
 * soon as every peer answered. The want is cancelled afterwards, so nothing is fetched.
 */
export async function connectedPeersHaving (helia: Helia, cid: CID, options: { timeoutMs: number, signal?: AbortSignal }): Promise<PeerId[]> {
  const engine = bitswapEngine(helia) as unknown as ProbeEngine | undefined
  const libp2p = (helia as Helia & { libp2p: Libp2p }).libp2p
  if (engine == null) return []
  const peers = [...new Map(libp2p.getConnections().map(c => [c.remotePeer.toString(), c.remotePeer])).values()]
  if (peers.length === 0) return []
  const having = new Map<string, PeerId>()
  const answered = new Set<string>()
  const key = cid.multihash.bytes.toString()
  let done: () => void = () => {}
  const finished = new Promise<void>(resolve => { done = resolve })
  const onPresence = (evt: Event): void => {
    const { sender, cid: about, has } = (evt as CustomEvent<{ sender: PeerId, cid: CID, has: boolean }>).detail
    if (about.multihash.bytes.toString() !== key) return
    answered.add(sender.toString())
    if (has) having.set(sender.toString(), sender)
    if (peers.every(p => answered.has(p.toString()))) done()
  }
  const timer = setTimeout(done, options.timeoutMs)
  options.signal?.addEventListener('abort', done, { once: true })
  engine.wantList.addEventListener('presence', onPresence)
  try {
    await Promise.allSettled(peers.map(async peer => { await engine.network.sendMessage(peer, wantHave(cid, false)) }))
    await finished
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', done)
    engine.wantList.removeEventListener('presence', onPresence)
    await Promise.allSettled(peers.map(async peer => { await engine.network.sendMessage(peer, wantHave(cid, true)) }))
  }
  return [...having.values()]
}
