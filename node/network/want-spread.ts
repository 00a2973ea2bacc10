import { base64 } from 'multiformats/bases/base64'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

type WantType = 'WantBlock' | 'WantHave'

/** A want in Helia's bitswap want list. */
interface Want {
  cid: CID
  priority: number
  wantType: WantType
  cancel: boolean
  sendDontHave: boolean
  onProgress: Array<{ onProgress: (evt: unknown) => void }>
}

/** An entry of a wantlist message as @helia/bitswap's network sends it. */
interface MessageEntry {
  cid: Uint8Array
  priority: number
  wantType: WantType
  cancel: boolean
  sendDontHave: boolean
}

/** The shape of @helia/bitswap's queued message (its class is not exported). */
interface WantListMessage {
  full: boolean
  pendingBytes: number
  wantlist: Map<string, MessageEntry>
  blocks: Map<string, never>
  blockPresences: Map<string, never>
}

/** The parts of Helia's bitswap engine the spread replaces or listens to (not exported by @helia/bitswap). */
export interface SpreadEngine {
  wantList: EventTarget & {
    /** Multihash (base64) → want. */
    wants: Map<string, Want>
    /** Per connected bitswap peer (a PeerMap), the keys of the wants sent to it. */
    peers: { entries(): Iterable<[PeerId, Set<string>]>, values(): Iterable<Set<string>>, set(peer: PeerId, sent: Set<string>): unknown }
    sendMessages?: () => Promise<void>
    peerConnected?: (peer: PeerId) => Promise<void>
    sendMessagesDebounced(): Promise<void>
    sendingMessages?: { promise: Promise<void>, resolve: () => void }
  }
  network: EventTarget & {
    sendMessage: (peer: PeerId, message: WantListMessage, options?: { onProgress?: (evt: unknown) => void }) => Promise<void>
  }
}

/** What {@link spreadWants} gives the rest of the fetch path. */
export interface WantSpread {
  /**
   * Sends every want again: to its peer as before, and, for a want its peer has held
   * longer than {@link escalateAfterMs} without sending the block, as WANT_BLOCK to every
   * peer that has not said DONT_HAVE.
   */
  rebroadcast: () => void
}

/** A block its peer has not sent within this long (ms) is asked of every peer at the next rebroadcast (bitswap's do-not-resend window). */
export const escalateAfterMs = 5_000

const keyOf = (cid: CID): string => base64.baseEncode(cid.multihash.bytes)

function emptyMessage (full: boolean): WantListMessage {
  return { full, pendingBytes: 0, wantlist: new Map(), blocks: new Map<string, never>(), blockPresences: new Map<string, never>() }
}

function messageEntry (want: Want, wantType: WantType, cancel = false): MessageEntry {
  return { cid: want.cid.bytes, priority: want.priority, wantType, cancel, sendDontHave: true }
}

/** Which peer each want-block is asked of, what the peers said, and how many blocks each is asked for. */
class Assignments {
  /** Want key → the peer asked for the block, and since when. */
  private readonly holder = new Map<string, { peer: string, since: number }>()
  /** Peer → how many wants it is asked to send the block for. */
  private readonly load = new Map<string, number>()
  /** Want key → the peers that said DONT_HAVE. */
  private readonly missing = new Map<string, Set<string>>()
  /** Want key → the peers that said HAVE. */
  private readonly having = new Map<string, Set<string>>()
  /** Want key → the peers a WANT_BLOCK went to (Helia's sent set holds either kind). */
  private readonly blockSent = new Map<string, Set<string>>()
  /** Wants asked of every peer (their peer was too slow). */
  private readonly everyone = new Set<string>()

  /**
   * The peers that should be asked for the block: its assigned peer (chosen now when it
   * has none, or its peer left or said DONT_HAVE: among the peers that did not say
   * DONT_HAVE, those that said HAVE first, the one asked for fewest blocks), or every
   * peer when it is escalated or every peer said DONT_HAVE (as bitswap without the
   * spread: one that gets the block later sends it).
   */
  blockPeers (key: string, connected: string[]): string[] {
    const missing = this.missing.get(key)
    const open = missing == null ? connected : connected.filter(p => !missing.has(p))
    if (this.everyone.has(key) || open.length === 0) return open.length === 0 ? connected : open
    const held = this.holder.get(key)
    if (held != null && open.includes(held.peer)) return [held.peer]
    if (held != null) this.unassign(key)
    const having = this.having.get(key)
    const preferred = having == null ? open : open.filter(p => having.has(p))
    const choice = (preferred.length > 0 ? preferred : open).reduce((best, p) => (this.load.get(p) ?? 0) < (this.load.get(best) ?? 0) ? p : best)
    this.holder.set(key, { peer: choice, since: Date.now() })
    this.load.set(choice, (this.load.get(choice) ?? 0) + 1)
    return [choice]
  }

  /** True when `peer` said HAVE for the want (or sent the block). */
  answeredHave (key: string, peer: string): boolean {
    return this.having.get(key)?.has(peer) === true
  }

  wasSentBlock (key: string, peer: string): boolean {
    return this.blockSent.get(key)?.has(peer) === true
  }

  sentBlock (key: string, peer: string): void {
    let peers = this.blockSent.get(key)
    if (peers == null) this.blockSent.set(key, peers = new Set())
    peers.add(peer)
  }

  /** Records a HAVE or DONT_HAVE; true when the want lost its peer and must be asked of another. */
  presence (key: string, peer: string, has: boolean): boolean {
    const answers = has ? this.having : this.missing
    let peers = answers.get(key)
    if (peers == null) answers.set(key, peers = new Set())
    peers.add(peer)
    if (has || this.holder.get(key)?.peer !== peer) return false
    this.unassign(key)
    return true
  }

  /** Frees the wants a peer held; true when it held any. */
  peerLeft (peer: string): boolean {
    let held = false
    for (const [key, h] of this.holder) {
      if (h.peer !== peer) continue
      this.unassign(key)
      held = true
    }
    this.load.delete(peer)
    return held
  }

  /** Escalates the wants held too long, and forgets which peers were sent a WANT_BLOCK. */
  rebroadcast (now: number): void {
    for (const [key, h] of this.holder) if (now - h.since > escalateAfterMs) this.everyone.add(key)
    this.blockSent.clear()
  }

  /** The want is over (its block arrived or it was given up). */
  forget (key: string): void {
    this.unassign(key)
    this.missing.delete(key)
    this.having.delete(key)
    this.blockSent.delete(key)
    this.everyone.delete(key)
  }

  private unassign (key: string): void {
    const held = this.holder.get(key)
    if (held == null) return
    this.holder.delete(key)
    const load = (this.load.get(held.peer) ?? 1) - 1
    if (load > 0) this.load.set(held.peer, load)
    else this.load.delete(held.peer)
  }
}

/**
 * Spreads block wants over the connected peers, as Kubo's bitswap sessions do: each
 * want goes as WANT_BLOCK to one peer, the one asked for fewest blocks (so a slow link
 * collects fewer), and as WANT_HAVE to the others. When that peer says DONT_HAVE or
 * disconnects, the block is asked of another (one that said HAVE first). Helia's bitswap
 * sends every want as WANT_BLOCK to every connected peer, so each peer sent every block:
 * four providers each carried the whole file, and were slower together than one alone.
 * Also sends the CANCELs Helia's want list drops, so peers forget wants once the block
 * is in. Replaces the want list's `sendMessages` and `peerConnected`; undefined, with
 * nothing changed, when those internals are not there.
 */
export function spreadWants (engine: SpreadEngine): WantSpread | undefined {
  const wantList = engine.wantList
  const network = engine.network
  if (typeof wantList.sendMessages !== 'function' || typeof wantList.peerConnected !== 'function' || !(wantList.wants instanceof Map)) return undefined
  const assignments = new Assignments()
  /** Peers connected since the last send: their first message is the full wantlist. */
  const fresh = new Set<string>()
  const resend = (): void => { wantList.sendMessagesDebounced().catch(() => {}) }

  wantList.sendMessages = async () => {
    let settle: () => void = () => {}
    const promise = new Promise<void>(resolve => { settle = resolve })
    wantList.sendingMessages = { promise, resolve: settle }
    const peers = [...wantList.peers.entries()].map(([id, sent]) => {
      const key = id.toString()
      const message = emptyMessage(fresh.delete(key))
      return { id, key, sent, message }
    })
    const connected = peers.map(p => p.key)
    for (const [key, want] of wantList.wants) {
      if (want.cancel) {
        // a peer that sent the block or said HAVE holds the want as answered (it expires
        // there); the others would keep it, and look for the block on every message
        for (const p of peers) if (p.sent.has(key) && !assignments.answeredHave(key, p.key)) p.message.wantlist.set(key, messageEntry(want, want.wantType, true))
        continue
      }
      const blockPeers = want.wantType === 'WantBlock' ? assignments.blockPeers(key, connected) : []
      for (const p of peers) {
        if (blockPeers.includes(p.key)) {
          if (!assignments.wasSentBlock(key, p.key) || !p.sent.has(key)) p.message.wantlist.set(key, messageEntry(want, 'WantBlock'))
        } else if (!p.sent.has(key)) {
          p.message.wantlist.set(key, messageEntry(want, 'WantHave'))
        }
      }
    }
    const onProgress = (evt: unknown): void => {
      for (const want of wantList.wants.values()) for (const { onProgress } of want.onProgress) onProgress(evt)
    }
    await Promise.all(peers.map(async p => {
      if (p.message.wantlist.size === 0 && !p.message.full) return
      try {
        await network.sendMessage(p.id, p.message, { onProgress })
        for (const [key, entry] of p.message.wantlist) {
          if (entry.cancel) continue
          p.sent.add(key)
          if (entry.wantType === 'WantBlock') assignments.sentBlock(key, p.key)
        }
      } catch {
        // unsent: the next send tries again (as in Helia, nothing is recorded as sent)
      }
    }))
    for (const [key, want] of wantList.wants) {
      if (!want.cancel) continue
      wantList.wants.delete(key)
      for (const sent of wantList.peers.values()) sent.delete(key)
      assignments.forget(key)
    }
    settle()
  }

  wantList.peerConnected = async (peer) => {
    wantList.peers.set(peer, new Set())
    fresh.add(peer.toString())
    if (wantList.wants.size > 0) await wantList.sendMessagesDebounced()
  }

  wantList.addEventListener('presence', (evt) => {
    const { sender, cid, has } = (evt as CustomEvent<{ sender: PeerId, cid: CID, has: boolean }>).detail
    const key = keyOf(cid)
    const want = wantList.wants.get(key)
    if (want == null || want.cancel) return
    if (assignments.presence(key, sender.toString(), has)) resend()
  })

  network.addEventListener('peer:disconnected', (evt) => {
    if (assignments.peerLeft((evt as CustomEvent<PeerId>).detail.toString())) resend()
  })

  return {
    rebroadcast: () => {
      assignments.rebroadcast(Date.now())
      for (const sent of wantList.peers.values()) sent.clear()
      resend()
    }
  }
}
