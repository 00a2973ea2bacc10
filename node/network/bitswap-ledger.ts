import type { CID } from 'multiformats/cid'

/** One peer's bitswap counters (Kubo's `bitswap ledger` names). */
export interface PeerLedger {
  Peer: string
  BlocksReceived: number
  DataReceived: number
  BlocksSent: number
  DataSent: number
}

/** Node-wide bitswap counters, Kubo's `stats bitswap` shape plus per-peer ledgers. */
export interface BitswapStats {
  BlocksReceived: number
  DataReceived: number
  DupBlksReceived: number
  DupDataReceived: number
  BlocksSent: number
  DataSent: number
  Wantlist: Array<{ '/': string }>
  /** Peers with an open connection. */
  Peers: string[]
  Ledgers: PeerLedger[]
}

/**
 * Per-peer counters of blocks and bytes exchanged over bitswap, fed by the bitswap
 * network's message events (Helia's own bitswap stats only report to a metrics
 * backend, which a light node has not).
 */
export class BitswapLedger {
  private readonly peers = new Map<string, PeerLedger>()
  private readonly seen = new Set<string>()
  private dupBlocks = 0
  private dupData = 0

  /** Counts one block received from `peer`; a block already received before is a duplicate. */
  received (peer: string, cid: CID | undefined, bytes: number): void {
    const ledger = this.ledger(peer)
    ledger.BlocksReceived++
    ledger.DataReceived += bytes
    if (cid != null) {
      const key = Buffer.from(cid.multihash.bytes).toString('base64')
      if (this.seen.has(key)) {
        this.dupBlocks++
        this.dupData += bytes
      } else {
        this.seen.add(key)
      }
    }
  }

  /** Counts one block sent to `peer`. */
  sent (peer: string, bytes: number): void {
    const ledger = this.ledger(peer)
    ledger.BlocksSent++
    ledger.DataSent += bytes
  }

  /** The ledger of one peer (zeros when nothing was exchanged). */
  peer (peer: string): PeerLedger {
    return { ...(this.peers.get(peer) ?? empty(peer)) }
  }

  /** Totals and every peer's ledger. */
  stats (connected: string[], wantlist: CID[]): BitswapStats {
    const ledgers = [...this.peers.values()].map(l => ({ ...l })).sort((a, b) => a.Peer.localeCompare(b.Peer))
    const sum = (key: 'BlocksReceived' | 'DataReceived' | 'BlocksSent' | 'DataSent'): number => ledgers.reduce((n, l) => n + l[key], 0)
    return {
      BlocksReceived: sum('BlocksReceived'),
      DataReceived: sum('DataReceived'),
      DupBlksReceived: this.dupBlocks,
      DupDataReceived: this.dupData,
      BlocksSent: sum('BlocksSent'),
      DataSent: sum('DataSent'),
      Wantlist: wantlist.map(c => ({ '/': c.toString() })),
      Peers: [...connected].sort(),
      Ledgers: ledgers
    }
  }

  private ledger (peer: string): PeerLedger {
    let ledger = this.peers.get(peer)
    if (ledger == null) {
      ledger = empty(peer)
      this.peers.set(peer, ledger)
    }
    return ledger
  }
}

function empty (peer: string): PeerLedger {
  return { Peer: peer, BlocksReceived: 0, DataReceived: 0, BlocksSent: 0, DataSent: 0 }
}
