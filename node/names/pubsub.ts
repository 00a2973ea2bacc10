import { sha256 } from 'multiformats/hashes/sha2'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'

/** The IPNS-over-PubSub topic of a routing key: `/record/` + base64url (unpadded) of `/ipns/<multihash>`. */
export function ipnsTopic (routingKey: Uint8Array): string {
  return '/record/' + Buffer.from(routingKey).toString('base64url')
}

/** The pubsub service of a libp2p node, when `Ipns.UsePubsub` gave it one. */
export function pubsubOf (libp2p: Libp2p): GossipSub | undefined {
  return (libp2p.services as { pubsub?: GossipSub }).pubsub
}

/**
 * Joins a topic and finds its other subscribers as Kubo's pubsub router does: it provides
 * the rendezvous CID (raw, sha256 of `floodsub:<topic>`) on the DHT and dials the peers
 * that provide it, so a publisher and a resolver meet even when no peer between them
 * subscribes. Runs in the background; at most `maxPeers` dials, each bounded in time.
 */
export function joinTopic (libp2p: Libp2p, topic: string, signal: AbortSignal, maxPeers = 8): void {
  const pubsub = pubsubOf(libp2p)
  if (pubsub == null) return
  if (pubsub.getTopics().includes(topic)) return
  pubsub.subscribe(topic)
  void (async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`floodsub:${topic}`)))
    if (libp2p.getConnections().length === 0) return
    await libp2p.contentRouting.provide(cid, { signal }).catch(() => {})
    let dialled = 0
    for await (const provider of libp2p.contentRouting.findProviders(cid, { signal })) {
      if (provider.id.equals(libp2p.peerId)) continue
      await libp2p.dial(provider.id, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) }).catch(() => {})
      if (++dialled >= maxPeers) return
    }
  })().catch(() => {})
}
