import { multiaddr } from '@multiformats/multiaddr'
import { parseDuration } from '../config/duration.js'
import { formatTcpMultiaddr } from '../config/tcp-address.js'
import { ConfigError } from '../node/errors.js'
import { createGatewayApp } from './app.js'
import { createLimitedServer } from './http-server.js'
import type { CairnNode } from '../node/node.js'

/** A running gateway. */
export interface RunningGateway {
  /** `http://host:port` it listens on (the real port when 0 was asked for). */
  url: string
  /** The bound address as a multiaddr (`/ip4/127.0.0.1/tcp/8080`). */
  multiaddr: string
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** The host and port of a TCP listen multiaddr such as `/ip4/127.0.0.1/tcp/8080`. */
export function listenAddress (listen: string): { host: string, port: number } {
  let components
  try {
    components = multiaddr(listen).getComponents()
  } catch (err) {
    throw new ConfigError(`invalid gateway address "${listen}": ${(err as Error).message}`)
  }
  const [ip, tcp] = components
  if (ip == null || tcp == null || !['ip4', 'ip6', 'dns4', 'dns6', 'dns'].includes(ip.name) || tcp.name !== 'tcp' || components.length !== 2) {
    throw new ConfigError(`invalid gateway address "${listen}": expected /ip4/<addr>/tcp/<port>`)
  }
  return { host: ip.value ?? '127.0.0.1', port: Number(tcp.value) }
}

/**
 * Starts the public gateway of `node` on a listen multiaddr (`/ip4/127.0.0.1/tcp/8080`;
 * port 0 picks a free one), with the header and idle timeouts and the connection cap of
 * the `Gateway` config. Resolves once it accepts connections.
 */
export async function startGateway (node: CairnNode, listen: string): Promise<RunningGateway> {
  const { host, port } = listenAddress(listen)
  const limits = node.config.Gateway
  const { server, close } = createLimitedServer(createGatewayApp(node), {
    headersTimeoutMs: parseDuration(limits.HeadersTimeout),
    idleTimeoutMs: parseDuration(limits.IdleTimeout),
    maxConnections: limits.MaxConnections
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('gateway did not bind a TCP port')
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}`,
    multiaddr: formatTcpMultiaddr(address.address, address.port),
    close
  }
}
