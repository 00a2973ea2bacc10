import { NoProvidersError } from '../errors.js'
import type { Helia } from '@helia/interface'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** A bitswap block presence (Helia's want list `presence` event). */
interface Presence { sender: PeerId, cid: CID, has: boolean }

/** Options for {@link ProviderAbsence}. */
export interface ProviderAbsenceOptions {
  /** Helia's bitswap want list, whose `presence` events carry the peers' DONT_HAVE answers. */
  wantList?: EventTarget
  /** How long one DHT provider search may run, ms (default 20 s); a search cut short decides nothing. */
  searchTimeout?: number
  /** How often the connected peers are compared with the DONT_HAVE answers, ms (default 250). */
  recheckMs?: number
  /** How long a want may wait before the search starts, ms (default 500): most blocks arrive sooner. */
  startDelay?: number
  /** How long a peer's DONT_HAVE for a block is remembered, ms (default 60 s). */
  dontHaveTtl?: number
  /**
   * Sends the wantlist again, asking for DONT_HAVE: a peer that connected after a want
   * was made got it without that request and stays silent.
   */
  rebroadcast?: () => void
}

/** DONT_HAVE answers remembered for at most this many blocks. */
const maxRemembered = 10_000

/**
 * Decides that nobody can provide a block, so that a fetch fails with ERR_NO_PROVIDERS
 * at once instead of waiting for `Fetch.Timeout` (Kubo's gateway answers 502 then).
 *
 * The rule: the node has at least one connected peer, a DHT provider search for the
 * block ran to completion without a failed DHT peer (one search more is made when it met
 * one) and found no provider other than this node, and every
 * connected peer answered the bitswap want with DONT_HAVE. With no peer at all the
 * fetch keeps waiting (a peer may still connect, and the DHT cannot be asked); a
 * provider that is found but slow or unreachable, a search that does not finish, or a
 * connected peer that has not answered leave the fetch to its timeout (ERR_TIMEOUT).
 */
export class ProviderAbsence {
  private readonly helia: Helia & { libp2p: Libp2p }
  private readonly wantList: EventTarget | undefined
  private readonly searchTimeout: number
  private readonly recheckMs: number
  private readonly startDelay: number
  private readonly dontHaveTtl: number
  private readonly rebroadcast: (() => void) | undefined
  private lastRebroadcast = 0
  /**
   * Recent DONT_HAVE answers: multihash → peer → when. A peer answers DONT_HAVE once per
   * want it holds, and Helia's bitswap never sends the cancel that would clear it there,
   * so a second fetch of the same block hears no new answer from that peer.
   */
  private readonly dontHave = new Map<string, Map<string, number>>()

  constructor (helia: Helia & { libp2p: Libp2p }, options: ProviderAbsenceOptions = {}) {
    this.helia = helia
    this.wantList = options.wantList
    this.searchTimeout = options.searchTimeout ?? 20_000
    this.recheckMs = options.recheckMs ?? 250
    this.startDelay = options.startDelay ?? 500
    this.dontHaveTtl = options.dontHaveTtl ?? 60_000
    this.rebroadcast = options.rebroadcast
    this.wantList?.addEventListener('presence', evt => {
      const p = (evt as CustomEvent<Presence>).detail
      const key = Buffer.from(p.cid.multihash.bytes).toString('base64')
      if (p.has) {
        this.dontHave.delete(key)
        return
      }
      let peers = this.dontHave.get(key)
      if (peers == null) {
        if (this.dontHave.size >= maxRemembered) {
          const oldest = this.dontHave.keys().next()
          if (oldest.done !== true) this.dontHave.delete(oldest.value)
        }
        peers = new Map()
        this.dontHave.set(key, peers)
      }
      peers.set(p.sender.toString(), Date.now())
    })
  }

  /** True when `peer` answered DONT_HAVE for the block (keyed by multihash) within the TTL. */
  private saidDontHave (key: string, peer: string): boolean {
    const at = this.dontHave.get(key)?.get(peer)
    return at != null && Date.now() - at < this.dontHaveTtl
  }

  /**
   * Rejects with a {@link NoProvidersError} once the rule holds for `cid`; resolves
   * (deciding nothing) when `signal` aborts or when a provider or a HAVE turns up.
   */
  async watch (cid: CID, signal: AbortSignal): Promise<void> {
    const libp2p = this.helia.libp2p
    const key = Buffer.from(cid.multihash.bytes).toString('base64')
    let someoneHas = false
    let wake: (() => void) | undefined
    const onPresence = (evt: Event): void => {
      const p = (evt as CustomEvent<Presence>).detail
      if (!sameMultihash(p.cid, cid)) return
      if (p.has) someoneHas = true
      wake?.()
    }
    this.wantList?.addEventListener('presence', onPresence)
    try {
      await sleep(this.startDelay, signal)
      await this.connected(signal)
      // the connected peers are asked first (their DONT_HAVE answers cost nothing); only
      // when none has the block does the DHT search run, once
      let searched = false
      let asked = false
      // eslint-disable-next-line no-unmodified-loop-condition -- someoneHas is set by the block listener
      while (!signal.aborted && !someoneHas) {
        const peers = new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))
        if (peers.size > 0 && [...peers].every(p => this.saidDontHave(key, p))) {
          if (!searched) {
            if (!await this.searchFindsNobody(cid, signal)) return
            searched = true
            continue // peers may have connected meanwhile
          }
          throw new NoProvidersError(`no provider found for block ${cid.toString()}: the DHT lists none and none of the ${peers.size} connected peer${peers.size === 1 ? '' : 's'} has it`)
        }
        if (!asked && peers.size > 0) {
          // once per watch, and at most once a second for the whole node
          asked = true
          if (Date.now() - this.lastRebroadcast > 1_000) {
            this.lastRebroadcast = Date.now()
            this.rebroadcast?.()
          }
        }
        await new Promise<void>(resolve => {
          const timer = setTimeout(done, this.recheckMs)
          function done (): void {
            clearTimeout(timer)
            signal.removeEventListener('abort', done)
            wake = undefined
            resolve()
          }
          wake = done
          signal.addEventListener('abort', done, { once: true })
        })
      }
    } finally {
      this.wantList?.removeEventListener('presence', onPresence)
    }
  }

  /**
   * True when a provider search ran to its end, met no failed DHT peer, and found nobody
   * but this node. A search whose queries failed somewhere (a peer that timed out under
   * load, or is gone) is run once more: the peer that failed may be the one holding the
   * record, so a search that fails again decides nothing.
   */
  private async searchFindsNobody (cid: CID, signal: AbortSignal): Promise<boolean> {
    for (let tries = 0; tries < 2; tries++) {
      const search = await this.search(cid, signal)
      if (search !== 'failed peers') return search === 'nobody'
    }
    return false
  }

  /** One provider search: whether it found someone, nobody, was cut short, or met failed DHT peers. */
  private async search (cid: CID, signal: AbortSignal): Promise<'someone' | 'nobody' | 'cut short' | 'failed peers'> {
    const { peerIdFromCID } = await import('@libp2p/peer-id')
    const self = this.helia.libp2p.peerId
    const search = AbortSignal.any([signal, AbortSignal.timeout(this.searchTimeout)])
    // Helia's routing drops a listed provider whose addresses it cannot find (a peer that
    // has gone away); the progress event still names it, and a listed provider means the
    // fetch waits for its timeout, as Kubo's does
    let listed = false
    let failed = false
    const onProgress = (evt: { type: string, detail?: unknown }): void => {
      if (evt.type === 'kad-dht:query:query-error') failed = true
      if (evt.type !== 'helia:routing:find-providers:provider') return
      const provider = (evt.detail as { provider?: { id: Parameters<typeof peerIdFromCID>[0] } }).provider
      if (provider != null && !peerIdFromCID(provider.id).equals(self)) listed = true
    }
    try {
      for await (const provider of this.helia.routing.findProviders(cid, { signal: search, onProgress })) {
        if (!peerIdFromCID(provider.id).equals(self)) return 'someone'
      }
    } catch {
      return 'cut short'
    }
    if (listed) return 'someone'
    if (search.aborted) return 'cut short'
    return failed ? 'failed peers' : 'nobody'
  }

  /** Resolves once libp2p has an open connection, or `signal` aborts. */
  private async connected (signal: AbortSignal): Promise<void> {
    const libp2p = this.helia.libp2p
    if (signal.aborted || libp2p.getConnections().length > 0) return
    await new Promise<void>(resolve => {
      const done = (): void => {
        libp2p.removeEventListener('connection:open', done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      libp2p.addEventListener('connection:open', done)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** True when two CIDs name the same bytes (the same multihash, whatever the version or codec). */
export function sameMultihash (a: CID, b: CID): boolean {
  return Buffer.from(a.multihash.bytes).equals(b.multihash.bytes)
}
