import { parseDuration } from '../../config/duration.js'
import { createNode, type CairnNode } from '../node.js'
import { openDenylist } from '../denylist/index.js'
import { agentVersion } from '../version.js'
import { loadPrivateKey } from '../repo/identity.js'
import { fetchMixin } from './fetch.js'
import { gatewayRouter } from './gateway-router.js'
import { libp2pOptions } from './libp2p-options.js'
import { NetworkServices } from './services.js'
import { coalescePeerMerges } from './peer-store-merges.js'
import { sweepRecord } from './sweep-record.js'
import { readSwarmKey } from './swarm-key.js'
import type { Repo } from '../repo/repo.js'
import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'

/** Options for {@link createOnlineNode}. */
export interface OnlineNodeOptions {
  /** Delay before the first reprovide sweep, ms (default 5 s). */
  initialReprovideDelay?: number
}

/**
 * Opens the node on the network: Helia with libp2p (composed from the config alone),
 * bitswap, the configured trustless gateways as a second block source, fetch timeouts,
 * the provide queue and reprovider. Dials the bootstrap peers in the background.
 */
export async function createOnlineNode (repo: Repo, options: OnlineNodeOptions = {}): Promise<CairnNode> {
  const config = repo.config
  const swarmKey = await readSwarmKey(repo.paths.swarmKey)
  // the gateway's denylist: blocked content is neither fetched, served to peers nor announced
  const denylist = openDenylist(repo.paths.denylists)
  const services = new NetworkServices(repo.blockstore, {
    denylist,
    provide: config.Provide.Enabled && config.Routing.Type !== 'none',
    strategy: config.Provide.Strategy,
    interval: parseDuration(config.Provide.Interval),
    fetchTimeout: parseDuration(config.Fetch.Timeout),
    sweepRecord: sweepRecord(repo.datastore),
    ...(options.initialReprovideDelay != null ? { initialReprovideDelay: options.initialReprovideDelay } : {})
  })
  const network = async (helia: Helia): Promise<Helia> => {
    const [{ withLibp2pLight }, { withBitswap }, opts] = await Promise.all([
      import('@helia/libp2p'),
      import('@helia/bitswap'),
      libp2pOptions(config, { privateKey: loadPrivateKey(config.Identity), swarmKey, agentVersion })
    ])
    const online = withBitswap(withLibp2pLight(helia, opts), {
      // Helia holds every wantlist change back 10 ms to batch wants made close together;
      // a gateway request for one small block waited that long before asking anyone.
      // fetch.ts (sendWantsNextTurn) sends them on the event loop's next turn instead, wants
      // made in the same turn in one message; 0 here is what remains if that hook cannot attach
      sendWantlistDebounce: 0
    })
    const http = config.HTTPRetrieval
    if (http.Enabled && http.Gateways.length > 0) {
      const { trustlessGateway } = await import('@helia/block-brokers')
      online.addRouter(await gatewayRouter(http.Gateways))
      online.addBlockBroker(trustlessGateway({
        allowLocal: true,
        allowInsecure: http.Gateways.some(url => url.startsWith('http:'))
      }))
    }
    // libp2p rewrites a peer's stored record each time a stream to or from it opens
    online.addMixin({ name: 'cairn-peer-store', start: async (started: Helia) => { coalescePeerMerges((started as Helia & { libp2p: Libp2p }).libp2p) } })
    online.addMixin(fetchMixin({ timeout: services.options.fetchTimeout, timeoutText: config.Fetch.Timeout, ledger: services.ledger, denylist, local: repo.blockstore }))
    return online
  }
  const node = await createNode(repo, { network, announce: cids => { services.announce(cids) }, services, denylist })
  dialBootstrap(services.libp2p, config.Bootstrap)
  return node
}

function dialBootstrap (libp2p: Libp2p, addresses: string[]): void {
  if (addresses.length === 0) return
  void (async () => {
    const { multiaddr } = await import('@multiformats/multiaddr')
    await Promise.allSettled(addresses.map(async a => await libp2p.dial(multiaddr(a), { signal: AbortSignal.timeout(30_000) })))
  })().catch(() => {})
}
