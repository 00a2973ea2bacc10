import { Key, type Datastore } from 'interface-datastore'
import { ipnsSelector } from 'ipns/selector'
import { base32 } from 'multiformats/bases/base32'
import { StaleRecordError } from '../errors.js'
import { decodeRecord, validateRecord, type IpnsName } from './ipns-name.js'

/** A record held for a name, decoded. */
export interface HeldRecord {
  bytes: Uint8Array
  sequence: bigint
  value: string
  /** TTL in nanoseconds (how long a resolver may cache it). */
  ttl: bigint
}

/**
 * The IPNS records this node holds, one per name, in the repo's datastore: the records
 * it published, was given by `routing put`, or found on the network. A record only ever
 * replaces a better one never: the IPNS selector (higher sequence, then later expiry)
 * decides, and a valid record is never replaced by an invalid or older one.
 */
export class RecordStore {
  private readonly datastore: Datastore
  /** When each record was stored in this process (ms since epoch), for TTL-based caching. */
  private readonly storedAt = new Map<string, number>()

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  async get (name: IpnsName): Promise<HeldRecord | undefined> {
    let bytes: Uint8Array
    try {
      bytes = await this.datastore.get(keyOf(name))
    } catch {
      return undefined
    }
    return held(bytes)
  }

  /** True when the record was stored by this process less than its TTL ago. */
  isFresh (name: IpnsName, record: HeldRecord): boolean {
    const at = this.storedAt.get(keyOf(name).toString())
    return at != null && Date.now() - at < Number(record.ttl / 1_000_000n)
  }

  /**
   * Validates `bytes` for `name` and keeps it when it is at least as good as the held
   * record. ERR_INVALID_RECORD for a bad one, ERR_STALE_RECORD for an older one; the
   * held record stays either way.
   */
  async put (name: IpnsName, bytes: Uint8Array): Promise<HeldRecord> {
    await validateRecord(name, bytes)
    const current = await this.get(name)
    if (current != null && !sameBytes(current.bytes, bytes) && ipnsSelector(name.routingKey, [current.bytes, bytes]) === 0) {
      const offered = decodeRecord(bytes)
      throw new StaleRecordError(`the record for ${name.name} (sequence ${offered.sequence}) is older than the one held (sequence ${current.sequence}): not replaced`)
    }
    const key = keyOf(name)
    await this.datastore.put(key, bytes)
    this.storedAt.set(key.toString(), Date.now())
    return held(bytes)
  }
}

function keyOf (name: IpnsName): Key {
  return new Key(`/cairn/ipns/${base32.encode(name.routingKey)}`)
}

function held (bytes: Uint8Array): HeldRecord {
  const record = decodeRecord(bytes)
  return { bytes, sequence: record.sequence, value: record.value, ttl: record.ttl ?? 0n }
}

/** True when two records are the same bytes. */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
