import { OfflineError } from '../errors.js'
import type { NetworkServices } from './services.js'

/**
 * The node's network services, or ERR_OFFLINE when the node runs without a network.
 * Apart from services.ts so that the command table loads without the network stack.
 */
export function requireNetwork (node: { network?: NetworkServices | undefined }, what: string): NetworkServices {
  if (node.network == null) {
    throw new OfflineError(`${what} needs the network: start the daemon (cairn daemon) first`)
  }
  return node.network
}
