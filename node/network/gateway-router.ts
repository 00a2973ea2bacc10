import type { Provider, Router } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** The router name Helia's trustless-gateway broker expects for gateway providers. */
export const gatewayRouterName = 'http-gateway-router'

/**
 * A router that offers the trustless HTTP gateways from `HTTPRetrieval.Gateways` as
 * providers of every CID, so that @helia/block-brokers' trustlessGateway broker fetches
 * blocks from them (a second block source beside bitswap). Each gateway gets a stable
 * pseudo peer ID derived from its URL. It is a fallback router: asked after the DHT.
 */
export async function gatewayRouter (urls: string[]): Promise<Router> {
  const [{ multiaddr }, { sha256 }, { peerIdFromMultihash }] = await Promise.all([
    import('@multiformats/multiaddr'),
    import('multiformats/hashes/sha2'),
    import('@libp2p/peer-id')
  ])
  const providers: Provider[] = await Promise.all(urls.map(async url => ({
    id: peerIdFromMultihash(await sha256.digest(new TextEncoder().encode(url))).toCID(),
    multiaddrs: [multiaddr(urlToMultiaddr(url))],
    router: gatewayRouterName,
    fallback: true
  })))
  return {
    name: gatewayRouterName,
    capabilities: () => ['fallback'],
    async * findProviders (_cid: CID) {
      yield * providers
    }
  }
}

/** `https://host:port` as a multiaddr: `/dns/host/tcp/443/https`, `/ip4/127.0.0.1/tcp/8080/http`. */
export function urlToMultiaddr (text: string): string {
  const url = new URL(text)
  const scheme = url.protocol === 'https:' ? 'https' : 'http'
  const port = url.port !== '' ? url.port : (scheme === 'https' ? '443' : '80')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns'
  return `/${proto}/${host}/tcp/${port}/${scheme}`
}
