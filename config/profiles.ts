import type { ConfigInput } from './schema.js'

/** Where the Pinning Service API listens unless the config says otherwise. */
export const pinningApiAddress = '/ip4/127.0.0.1/tcp/5003'

/** The profiles `init --profile` and `config profile apply` know. */
export const profileNames = ['public', 'local', 'server'] as const
export type ProfileName = typeof profileNames[number]

/** Kubo's default bootstrap list (public profile only). */
export const publicBootstrap = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ'
]

type NetworkSection = Pick<ConfigInput, 'Addresses' | 'Bootstrap' | 'Discovery' | 'Routing' | 'Swarm' | 'AutoNAT'>

const api = '/ip4/127.0.0.1/tcp/5001'
const gateway = '/ip4/127.0.0.1/tcp/8080'

const profiles: Record<ProfileName, NetworkSection> = {
  public: {
    Addresses: { Swarm: ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'], Announce: [], NoAnnounce: [], API: api, Gateway: gateway, PinningAPI: pinningApiAddress },
    Bootstrap: publicBootstrap,
    Discovery: { MDNS: { Enabled: true } },
    Routing: { Type: 'auto', LoopbackAddresses: false, DelegatedRouters: ['https://delegated-ipfs.dev'] },
    Swarm: { DisableNatPortMap: false, RelayClient: { Enabled: true } },
    AutoNAT: { ServiceMode: 'enabled' }
  },
  local: {
    Addresses: { Swarm: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], Announce: [], NoAnnounce: [], API: api, Gateway: gateway, PinningAPI: pinningApiAddress },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false } },
    Routing: { Type: 'dhtserver', LoopbackAddresses: true, DelegatedRouters: [] },
    Swarm: { DisableNatPortMap: true, RelayClient: { Enabled: false } },
    AutoNAT: { ServiceMode: 'disabled' }
  },
  server: {
    Addresses: { Swarm: ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'], Announce: [], NoAnnounce: [], API: api, Gateway: gateway, PinningAPI: pinningApiAddress },
    Bootstrap: publicBootstrap,
    Discovery: { MDNS: { Enabled: false } },
    Routing: { Type: 'dhtserver', LoopbackAddresses: false, DelegatedRouters: ['https://delegated-ipfs.dev'] },
    Swarm: { DisableNatPortMap: true, RelayClient: { Enabled: false } },
    AutoNAT: { ServiceMode: 'enabled' }
  }
}

/** True when `name` is a known profile. */
export function isProfileName (name: string): name is ProfileName {
  return (profileNames as readonly string[]).includes(name)
}

/** The network section a profile sets; applying a profile replaces exactly these keys. */
export function profileSection (name: ProfileName): NetworkSection {
  return structuredClone(profiles[name])
}
