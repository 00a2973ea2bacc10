import { once } from 'node:events'
import { parseDuration } from '../../config/duration.js'
import { formatTcpMultiaddr, httpUrlOf, parseTcpMultiaddr } from '../../config/tcp-address.js'
import { PinningService } from '../../node/pinning/service.js'
import { createLimitedServer } from '../http-server.js'
import { createPinningApp } from './app.js'
import type { AddressInfo } from 'node:net'
import type { CairnNode } from '../../node/node.js'
import type { DaemonServer } from '../../node/daemon.js'

/**
 * Starts the Pinning Service API of `node` on a TCP multiaddr (`Addresses.PinningAPI`;
 * port 0 picks a free one), with the `API` header and idle timeouts, and resumes the pin
 * requests a previous run left unfinished. `close` stops listening, then the work queue
 * (unfinished pins stay stored and resume next time).
 */
export async function startPinningServer (node: CairnNode, listen: string): Promise<DaemonServer & { multiaddr: string }> {
  const address = parseTcpMultiaddr(listen)
  const service = new PinningService(node)
  await service.start()
  const { server, close } = createLimitedServer(createPinningApp(service), {
    headersTimeoutMs: parseDuration(node.config.API.HeadersTimeout),
    idleTimeoutMs: parseDuration(node.config.API.IdleTimeout)
  })
  try {
    server.listen(address.port, address.host)
    // rejects with the server's error (EADDRINUSE) instead
    await once(server, 'listening')
  } catch (err) {
    await service.stop()
    throw err
  }
  const bound = server.address() as AddressInfo
  const multiaddr = formatTcpMultiaddr(bound.address, bound.port)
  return {
    url: httpUrlOf(parseTcpMultiaddr(multiaddr)),
    multiaddr,
    async close () {
      await close()
      await service.stop()
    }
  }
}
