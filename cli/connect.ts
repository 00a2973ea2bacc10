import { openLocalTransport } from './local-transport.js'
import type { Transport } from './transport.js'

/**
 * The transport for a CLI call: the daemon's RPC API when a daemon holds the repo,
 * else the repo opened in this process.
 */
export async function connect (root: string): Promise<Transport> {
  return await openLocalTransport(root)
}
