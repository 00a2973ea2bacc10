import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ConfigError } from '../errors.js'
import type { Config } from '../../config/config.js'
import type { PrivateKey } from '@libp2p/interface'

/** A new Ed25519 identity in Kubo's config shape (base64 protobuf private key). */
export async function createIdentity (): Promise<Config['Identity']> {
  const key = await generateKeyPair('Ed25519')
  return {
    PeerID: peerIdFromPrivateKey(key).toString(),
    PrivKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
}

/** The private key stored in the config, checked against the PeerID beside it. */
export function loadPrivateKey (identity: Config['Identity']): PrivateKey {
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(Buffer.from(identity.PrivKey, 'base64'))
  } catch (err) {
    throw new ConfigError('config key Identity.PrivKey: not a valid private key', { cause: err })
  }
  if (peerIdFromPrivateKey(key).toString() !== identity.PeerID) {
    throw new ConfigError('config key Identity.PeerID does not match Identity.PrivKey')
  }
  return key
}
