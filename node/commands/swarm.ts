import { InvalidMultiaddrError } from '../errors.js'
import { requireNetwork } from '../network/require-network.js'
import { valuesCommand } from './command.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One connected peer, Kubo's `swarm peers --enc=json` shape. */
export interface SwarmPeer {
  Addr: string
  Peer: string
  Direction: 'inbound' | 'outbound'
  Latency?: string
}

/** Kubo's `swarm peers` answer. */
export interface SwarmPeersResult { Peers: SwarmPeer[] }

/** Kubo's `swarm connect` answer. */
export interface SwarmConnectResult { Strings: string[] }

export const swarmPeers = valuesCommand<SwarmPeersResult>({
  path: ['swarm', 'peers'],
  description: 'List the peers this node has open connections to',
  args: [],
  options: [
    { name: 'latency', type: 'boolean', description: 'also show the latency of each connection' }
  ],
  async * run ({ node }) {
    const libp2p = requireNetwork(node, 'swarm peers').libp2p
    const peers = libp2p.getConnections().map((conn): SwarmPeer => ({
      Addr: conn.remoteAddr.decapsulateCode(421).toString(),
      Peer: conn.remotePeer.toString(),
      Direction: conn.direction,
      ...(conn.rtt != null ? { Latency: `${conn.rtt}ms` } : {})
    }))
    peers.sort((a, b) => a.Peer.localeCompare(b.Peer) || a.Addr.localeCompare(b.Addr))
    yield { Peers: peers }
  },
  text (value, options) {
    if (value.Peers.length === 0) return undefined
    return value.Peers.map(p => `${p.Addr}/p2p/${p.Peer}${options.latency === true ? ` ${p.Latency ?? 'n/a'}` : ''}`).join('\n')
  }
})

/** Parses a multiaddr typed by a user; a malformed one is an ERR_INVALID_MULTIADDR naming it. */
export async function parseMultiaddr (text: string): Promise<Multiaddr> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  try {
    if (!text.startsWith('/')) throw new Error('must begin with /')
    return multiaddr(text)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new InvalidMultiaddrError(`invalid multiaddr "${text}": ${reason}`, { cause: err })
  }
}

export const swarmConnect = valuesCommand<SwarmConnectResult>({
  path: ['swarm', 'connect'],
  description: 'Open a connection to a peer: swarm connect /ip4/1.2.3.4/tcp/4001/p2p/<peer-id>',
  args: [{ name: 'address', description: 'multiaddrs of peers to connect to', required: true, variadic: true }],
  options: [],
  async * run ({ node, signal }, { args }) {
    const addrs = await Promise.all(args.map(parseMultiaddr))
    const libp2p = requireNetwork(node, 'swarm connect').libp2p
    const strings: string[] = []
    for (const addr of addrs) {
      const conn = await libp2p.dial(addr, { signal })
      strings.push(`connect ${conn.remotePeer.toString()} success`)
    }
    yield { Strings: strings }
  },
  text (value) {
    return value.Strings.join('\n')
  }
})

export const swarmDisconnect = valuesCommand<SwarmConnectResult>({
  path: ['swarm', 'disconnect'],
  description: 'Close the connections to a peer: swarm disconnect /p2p/<peer-id> or a full multiaddr',
  args: [{ name: 'address', description: 'multiaddrs (with /p2p/<peer-id>) of peers to disconnect from', required: true, variadic: true }],
  options: [],
  async * run ({ node, signal }, { args }) {
    const addrs = await Promise.all(args.map(parseMultiaddr))
    const libp2p = requireNetwork(node, 'swarm disconnect').libp2p
    const { peerIdFromString } = await import('@libp2p/peer-id')
    const strings: string[] = []
    for (const addr of addrs) {
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) throw new InvalidMultiaddrError(`invalid multiaddr "${addr.toString()}": no /p2p/<peer-id> in it`)
      await libp2p.hangUp(peerIdFromString(id), { signal })
      strings.push(`disconnect ${id} success`)
    }
    yield { Strings: strings }
  },
  text (value) {
    return value.Strings.join('\n')
  }
})
