import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base32 } from 'multiformats/bases/base32'
import { RAW } from '../dag/codecs.js'
import type { Datastore, Key } from 'interface-datastore'

/** Where kad-dht keeps provider records: `/dht/provider/<base32 multihash>/<peer id>` (its default prefix). */
export const providerRecordPrefix = '/dht/provider/'

/**
 * The CIDs (as raw CIDv1 of the multihash, which is all a provider record keys on) for
 * which `self` has a provider record in kad-dht's provider store: what this node
 * announced and would list itself for when asked.
 */
export async function * selfProviderRecords (datastore: Datastore, self: string, signal?: AbortSignal): AsyncGenerator<{ cid: CID, key: Key }> {
  for await (const key of datastore.queryKeys({ prefix: providerRecordPrefix }, signal != null ? { signal } : {})) {
    const parts = key.toString().split('/')
    if (parts.at(-1) !== self) continue
    const hash = parts.at(-2)
    if (hash == null) continue
    try {
      const bytes = base32.baseDecode(hash.toLowerCase())
      yield { cid: CID.createV1(RAW, Digest.decode(bytes)), key }
    } catch {
      // not a record kad-dht wrote
    }
  }
}

/**
 * Deletes this node's own provider records for CIDs that `keep` refuses (blocks no longer
 * held, or denylisted): kad-dht would otherwise go on listing this node as a provider
 * of them until the record expires. Returns how many it removed.
 */
export async function pruneSelfProviderRecords (datastore: Datastore, self: string, keep: (cid: CID) => Promise<boolean>, signal?: AbortSignal): Promise<number> {
  const stale: Key[] = []
  for await (const { cid, key } of selfProviderRecords(datastore, self, signal)) {
    if (!await keep(cid)) stale.push(key)
  }
  for (const key of stale) await datastore.delete(key, signal != null ? { signal } : {})
  return stale.length
}
