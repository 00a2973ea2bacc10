import { valuesCommand } from './command.js'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { loadPrivateKey } from '../repo/identity.js'
import { agentVersion } from '../version.js'
import type { CairnNode } from '../node.js'

/** Kubo's `id` output shape. */
export interface IdResult {
  ID: string
  PublicKey: string
  Addresses: string[]
  AgentVersion: string
  Protocols: string[]
}

/** The node's identity, and its listen addresses and protocols when online. */
export function nodeIdentity (node: CairnNode): IdResult {
  const key = loadPrivateKey(node.config.Identity)
  const libp2p = (node.helia as { libp2p?: { getMultiaddrs(): Array<{ toString(): string }>, getProtocols(): string[] } }).libp2p
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
    yield nodeIdentity(node)
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
