import { valuesCommand } from './command.js'
import { agentVersion } from '../version.js'
import type { Config } from '../../config/config.js'

/** Kubo's `id` output shape. */
export interface IdResult {
  ID: string
  PublicKey: string
  Addresses: string[]
  AgentVersion: string
  Protocols: string[]
}

/** What `id` reads of a running libp2p. */
interface Listening { getMultiaddrs(): Array<{ toString(): string }>, getProtocols(): string[] }

/** The node's identity from its config, and its listen addresses and protocols when online. */
export async function nodeIdentity (node: { config: Config, helia?: unknown }): Promise<IdResult> {
  const [{ publicKeyToProtobuf }, { loadPrivateKey }] = await Promise.all([import('@libp2p/crypto/keys'), import('../repo/identity.js')])
  const key = loadPrivateKey(node.config.Identity)
  const libp2p = (node.helia as { libp2p?: Listening } | undefined)?.libp2p
  return {
    ID: node.config.Identity.PeerID,
    PublicKey: Buffer.from(publicKeyToProtobuf(key.publicKey)).toString('base64'),
    Addresses: libp2p?.getMultiaddrs().map(String) ?? [],
    AgentVersion: agentVersion,
    Protocols: libp2p?.getProtocols().sort() ?? []
  }
}

export const id = valuesCommand<IdResult>({
  path: ['id'],
  description: 'Show the node\'s PeerID, public key, addresses and protocols',
  args: [],
  options: [
    { name: 'format', short: 'f', type: 'string', description: 'print only this field template, e.g. "<id>"' }
  ],
  async * run ({ node }) {
    yield await nodeIdentity(node)
  },
  async * fromConfig (config) {
    yield await nodeIdentity({ config })
  },
  text (value, options) {
    if (typeof options.format === 'string') {
      return options.format
        .replaceAll('<id>', value.ID)
        .replaceAll('<aver>', value.AgentVersion)
        .replaceAll('<pubkey>', value.PublicKey)
        .replaceAll('<addrs>', value.Addresses.join('\n'))
        .replaceAll('<protocols>', value.Protocols.join('\n'))
    }
    return JSON.stringify(value, null, 2)
  }
})
