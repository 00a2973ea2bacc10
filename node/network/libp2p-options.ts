import type { Config } from '../../config/config.js'
import type { CreateLibp2pOptions } from '@helia/libp2p'
import type { PrivateKey } from '@libp2p/interface'

/** The Kademlia protocol of the public IPFS DHT (Kubo's). */
export const dhtProtocol = '/ipfs/kad/1.0.0'

/** The most unread bytes one stream may hold: yamux's largest stream window (16 MiB). */
const maxStreamReadBuffer = 16 * 1024 * 1024

/** What the libp2p composition needs besides the config. */
export interface Libp2pParts {
  privateKey: PrivateKey
  /** Bytes of `<repo>/swarm.key` for a private swarm, else undefined. */
  swarmKey?: Uint8Array | undefined
  /** Agent string sent in identify. */
  agentVersion: string
}

/** The part of kad-dht's (private) reprovider that decides whether to re-announce a record. */
interface DhtReproviderInternals {
  reprovider?: { shouldReprovide?: (isSelf: boolean, expires: number) => boolean }
}

/**
 * Turns off kad-dht's own re-announcing, leaving Cairn's reprovider (node/network/
 * reprovider.ts, which follows Provide.Strategy and sweeps only what the blockstore
 * holds now) the only one. kad-dht 16 has no option for it: its reprovider re-provides
 * every record this node ever provided, by itself, from its provider store (including
 * blocks `repo gc` removed). Its periodic run still deletes other peers' expired records;
 * only the re-provide decision is replaced.
 */
export function silenceDhtReprovider<T> (dht: T): T {
  const reprovider = (dht as DhtReproviderInternals).reprovider
  if (typeof reprovider?.shouldReprovide === 'function') {
    reprovider.shouldReprovide = () => false
  } else {
    process.emitWarning('@libp2p/kad-dht internals changed: its reprovider could not be turned off')
  }
  return dht
}

/**
 * The libp2p options for a node, every service explicit so that the config alone decides
 * what the node talks to: TCP and WebSockets, Noise, Yamux, identify, ping, Kademlia on
 * `/ipfs/kad/1.0.0` (unless `Routing.Type` is `none`, with the IPNS record validator),
 * gossipsub for IPNS-over-PubSub when `Ipns.UsePubsub`, the repo's key, `Addresses.Swarm`,
 * mDNS only when enabled, a pnet protector when the repo has a swarm key. No autoNAT,
 * UPnP or relay. Bootstrap peers are dialled by the caller after start (see
 * {@link bootstrapAddresses}). libp2p packages are imported here, lazily.
 */
export async function libp2pOptions (config: Config, parts: Libp2pParts): Promise<CreateLibp2pOptions> {
  const [{ tcp }, { webSockets }, { noise }, { yamux }, { identify }, { ping }, kad, { ipnsValidator }, { ipnsSelector }] = await Promise.all([
    import('@libp2p/tcp'),
    import('@libp2p/websockets'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
    import('@libp2p/ping'),
    import('@libp2p/kad-dht'),
    import('ipns/validator'),
    import('ipns/selector')
  ])
  const services: Record<string, (components: any) => unknown> = {
    identify: identify(),
    ping: ping()
  }
  const routing = config.Routing.Type
  if (routing !== 'none') {
    const dht = kad.kadDHT({
      protocol: dhtProtocol,
      ...(routing === 'dhtclient' ? { clientMode: true } : {}),
      // the local profile serves the DHT on loopback: kad-dht otherwise stays a client
      // until it sees a public address, and strips loopback addresses from peer records
      ...(routing === 'dhtserver' || config.Routing.LoopbackAddresses ? { clientMode: false } : {}),
      peerInfoMapper: config.Routing.LoopbackAddresses ? kad.passthroughMapper : kad.removePrivateAddressesMapper,
      // `/ipns/` records: kept and chosen by the IPNS record spec's rules
      validators: { ipns: ipnsValidator },
      selectors: { ipns: ipnsSelector }
    })
    services.dht = (components: any) => silenceDhtReprovider(dht(components))
  }
  if (config.Ipns.UsePubsub) {
    // IPNS-over-PubSub: records go out on their topic even before a subscriber is meshed
    const { gossipsub } = await import('@libp2p/gossipsub')
    services.pubsub = gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false })
  }
  const peerDiscovery: NonNullable<CreateLibp2pOptions['peerDiscovery']> = []
  if (config.Discovery.MDNS.Enabled) {
    const { mdns } = await import('@libp2p/mdns')
    peerDiscovery.push(mdns())
  }
  const options: CreateLibp2pOptions = {
    privateKey: parts.privateKey,
    addresses: {
      listen: config.Addresses.Swarm,
      ...(config.Addresses.Announce.length > 0 ? { announce: config.Addresses.Announce } : {}),
      ...(config.Addresses.NoAnnounce.length > 0 ? { noAnnounce: config.Addresses.NoAnnounce } : {})
    },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    // a stream's unread bytes may reach yamux's largest window: bitswap attaches its reader
    // only after closing its own end, and a busy node (provider records arriving) let one
    // 4 MiB block message pass yamux's default 4 MiB, which reset the stream and lost the
    // blocks in it until the wants were re-sent, ~10 s later
    streamMuxers: [yamux({ streamOptions: { maxReadBufferLength: maxStreamReadBuffer } })],
    peerDiscovery,
    connectionManager: { maxConnections: Math.max(config.Swarm.ConnMgr.HighWater, 1) },
    // libp2p pings every connection each 10 s with a timeout adapted to past round trips
    // and closed the connection when a ping missed it: behind megabytes of blocks (and DHT
    // provide traffic) a ping waits its turn, so a busy transfer cut its own connection and
    // stalled ~10 s while it was re-dialled. A dead TCP connection still ends on its own.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    nodeInfo: { userAgent: parts.agentVersion },
    services
  }
  if (parts.swarmKey != null) {
    const { preSharedKey } = await import('@libp2p/pnet')
    options.connectionProtector = preSharedKey({ psk: parts.swarmKey })
  }
  return options
}
