import { once } from 'node:events'
import { parseDuration } from '../../config/duration.js'
import { formatTcpMultiaddr, httpUrlOf, parseTcpMultiaddr } from '../../config/tcp-address.js'
import { createRpcApp } from './app.js'
import { createLimitedServer } from '../http-server.js'
import type { AddressInfo } from 'node:net'
import type { CairnNode } from '../../node/node.js'
import type { Command } from '../../node/commands/command.js'

/** A running RPC API server. */
export interface RpcServer {
  /** Base URL, e.g. `http://127.0.0.1:5001` (the API is under `/api/v0`). */
  url: string
  /** The real bound address as a multiaddr (what the daemon writes to `<repo>/api`). */
  multiaddr: string
  /** Stops listening and drops open connections, which aborts commands still running. */
  close(): Promise<void>
}

/**
 * Serves {@link createRpcApp} (with the whole command table, or `table`) on a TCP multiaddr such as `/ip4/127.0.0.1/tcp/5001`
 * (port 0 picks a free port; the bound one is in the result), with the header and idle
 * timeouts of the `API` config.
 */
export async function startRpcServer (node: CairnNode, listen: string, table?: readonly Command[]): Promise<RpcServer> {
  const address = parseTcpMultiaddr(listen)
  const { server, close } = createLimitedServer(createRpcApp(node, table), {
    headersTimeoutMs: parseDuration(node.config.API.HeadersTimeout),
    idleTimeoutMs: parseDuration(node.config.API.IdleTimeout),
    // long argument lists (`pin add` of many CIDs) travel in the query: allow 1 MiB of head, as Go's default
    maxHeaderSize: 1024 * 1024
  })
  server.listen(address.port, address.host)
  await once(server, 'listening')
  const bound = server.address() as AddressInfo
  const multiaddr = formatTcpMultiaddr(bound.address, bound.port)
  return {
    url: httpUrlOf(parseTcpMultiaddr(multiaddr)),
    multiaddr,
    close
  }
}
