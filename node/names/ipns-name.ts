import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { multihashToIPNSRoutingKey, unmarshalIPNSRecord, type IPNSRecord } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { InvalidNameError, InvalidRecordError } from '../errors.js'
import type { PeerId } from '@libp2p/interface'

/** An IPNS name parsed: the key's peer ID, its `k51…` form and its DHT routing key (`/ipns/` + multihash). */
export interface IpnsName {
  peerId: PeerId
  /** The CIDv1 libp2p-key in base36, as Kubo prints names. */
  name: string
  routingKey: Uint8Array
}

/** The IPNS name of a peer ID (a key's public half). */
export function ipnsNameOfPeer (peerId: PeerId): IpnsName {
  return {
    peerId,
    name: peerId.toCID().toString(base36),
    routingKey: multihashToIPNSRoutingKey(peerId.toMultihash() as Parameters<typeof multihashToIPNSRoutingKey>[0])
  }
}

/**
 * Parses an IPNS key name: a libp2p-key CID in any base (`k51…`, `bafz…`) or a peer ID
 * (`12D3Koo…`, `Qm…`). Anything else is ERR_INVALID_NAME.
 */
export function parseIpnsName (text: string): IpnsName {
  let peerId: PeerId
  try {
    if (text.startsWith('k')) {
      peerId = peerIdFromCID(CID.parse(text, base36))
    } else if (text.startsWith('b')) {
      peerId = peerIdFromCID(CID.parse(text))
    } else {
      peerId = peerIdFromString(text)
    }
  } catch {
    throw new InvalidNameError(`"${text}" is not a valid IPNS name (a key such as k51…) nor a DNSLink domain`)
  }
  return ipnsNameOfPeer(peerId)
}

/** True when a name looks like a DNS domain (has a dot and no key form), so DNSLink resolves it. */
export function isDomainName (text: string): boolean {
  return text.includes('.') && /^[a-z0-9-_.]+$/i.test(text)
}

/** Decodes a record, or ERR_INVALID_RECORD saying why not. */
export function decodeRecord (bytes: Uint8Array): IPNSRecord {
  try {
    return unmarshalIPNSRecord(bytes)
  } catch (err) {
    throw new InvalidRecordError(`invalid IPNS record: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Checks a marshalled record against its name as the IPNS record spec says: it decodes,
 * its V2 signature verifies with the name's key (embedded or inlined in the name), and it
 * has not expired. Throws ERR_INVALID_RECORD naming what failed; returns the decoded record.
 */
export async function validateRecord (name: IpnsName, bytes: Uint8Array): Promise<IPNSRecord> {
  const record = decodeRecord(bytes)
  try {
    await ipnsValidator(name.routingKey, bytes)
  } catch (err) {
    const kind = (err as Error).name
    const why = kind === 'RecordExpiredError'
      ? 'the record has expired'
      : kind === 'SignatureVerificationError'
        ? 'bad signature (the record was not signed by the key of this name)'
        : (err as Error).message
    throw new InvalidRecordError(`invalid IPNS record for ${name.name}: ${why}`, { cause: err })
  }
  return record
}
