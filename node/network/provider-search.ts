import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Options for {@link ProviderSearch}. */
export interface ProviderSearchOptions {
  /** Wait this long for a block before the first re-search, ms (then doubling). */
  firstDelay?: number
  maxDelay?: number
  /** Re-searches running at once across the node. */
  concurrency?: number
  /** Sends the whole wantlist again to every connected peer (throttled here to once a second). */
  rebroadcast?: () => void
}

/**
 * Recovers stalled bitswap wants, as Kubo's bitswap does with its periodic wantlist
 * rebroadcast and provider re-search. Helia's bitswap sends each want to a peer once and
 * searches the DHT once per want: a wantlist message lost on a busy connection, a search
 * that came too early (routing table still empty) or a failed dial would leave the block
 * waiting until the fetch timeout. Here a want that has waited `firstDelay` makes the
 * wantlist go out again to every connected peer, and runs a DHT provider search that
 * dials the providers found (bitswap sends them the wantlist on connect). Repeats with
 * back-off until the block arrives.
 */
export class ProviderSearch {
  private readonly helia: Helia & { libp2p: Libp2p }
  private readonly firstDelay: number
  private readonly maxDelay: number
  private readonly concurrency: number
  private readonly rebroadcast: (() => void) | undefined
  private lastRebroadcast = 0
  private running = 0

  constructor (helia: Helia & { libp2p: Libp2p }, options: ProviderSearchOptions = {}) {
    this.helia = helia
    this.firstDelay = options.firstDelay ?? 3_000
    this.maxDelay = options.maxDelay ?? 30_000
    this.concurrency = options.concurrency ?? 4
    this.rebroadcast = options.rebroadcast
  }

  /** Re-searches for `cid` until `signal` aborts (the block arrived or the want ended). */
  whileWanted (cid: CID, signal: AbortSignal): void {
    let delay = this.firstDelay
    let timer: NodeJS.Timeout | undefined
    const schedule = (): void => {
      timer = setTimeout(() => {
        void this.searchOnce(cid, signal).finally(() => {
          if (signal.aborted) return
          delay = Math.min(delay * 2, this.maxDelay)
          schedule()
        })
      }, delay)
      timer.unref()
    }
    signal.addEventListener('abort', () => { clearTimeout(timer) }, { once: true })
    if (!signal.aborted) schedule()
  }

  private async searchOnce (cid: CID, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return
    if (this.rebroadcast != null && Date.now() - this.lastRebroadcast > 1_000) {
      this.lastRebroadcast = Date.now()
      this.rebroadcast()
    }
    if (this.running >= this.concurrency) return
    this.running++
    try {
      const { peerIdFromCID } = await import('@libp2p/peer-id')
      const libp2p = this.helia.libp2p
      const search = AbortSignal.any([signal, AbortSignal.timeout(20_000)])
      for await (const provider of this.helia.routing.findProviders(cid, { signal: search })) {
        const peer = peerIdFromCID(provider.id)
        if (peer.equals(libp2p.peerId) || libp2p.getConnections(peer).length > 0) continue
        if (!await libp2p.isDialable(provider.multiaddrs)) continue
        await libp2p.peerStore.merge(peer, { multiaddrs: provider.multiaddrs }).catch(() => {})
        await libp2p.dial(peer, { signal: search }).catch(() => {})
      }
    } catch {
      // nothing found this time; the next round may
    } finally {
      this.running--
    }
  }
}
