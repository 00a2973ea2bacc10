import { setMaxListeners } from 'node:events'
import { equals } from 'multiformats/bytes'
import { CorruptBlockError } from '../errors.js'
import { blockBrokers } from './fetch.js'
import type { AbortOptions } from '@libp2p/interface'
import type { BlockBroker, Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** Where a fetched block is stored: the repo's blockstore. */
export interface BlockSink {
  put(cid: CID, block: Uint8Array, options?: AbortOptions): Promise<CID>
}

/** A function that gets a block the repo lacks from the network. */
export type NetworkFetch = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

/** The most bytes of fetched blocks being written at once before a fetch waits for the disk. */
const maxStoringBytes = 16 * 1024 * 1024

/** Hashes `block` with the CID's hash function and fails unless it matches. */
async function verify (helia: Pick<Helia, 'getHasher'>, cid: CID, block: Uint8Array): Promise<void> {
  const hasher = await helia.getHasher(cid.multihash.code)
  const digest = await hasher.digest(block, { truncate: cid.multihash.digest.byteLength })
  if (!equals(digest.digest, cid.multihash.digest)) throw new CorruptBlockError(`a block source sent bytes that do not hash to ${cid.toString()}`)
}

/**
 * Gets blocks the repo lacks from the node's block brokers (bitswap, the configured
 * trustless gateways), the first to bring a verified block winning and the others
 * cancelled, as Helia's networked blockstore does, but hands the block over as soon as it
 * is verified. Helia first stored it (a temporary file and a rename) and told the brokers
 * (which waits on bitswap's want list): a millisecond of each small fetch from a
 * connected peer. Here both run meanwhile: the repo's blockstore counts the write as
 * under way at once, so `has` and `get` of the block wait for it and a command's closing
 * sync too; past 16 MiB being written, a fetch waits for the disk. Bitswap's block is not
 * hashed again: its want list matched it by the digest of its bytes. Each failure of
 * every broker comes back in an AggregateError, as from Helia.
 */
export function networkFetch (helia: Helia, sink: BlockSink): NetworkFetch {
  const storing = new Map<string, Promise<unknown>>()
  let storingBytes = 0
  const store = async (cid: CID, block: Uint8Array, brokers: BlockBroker[]): Promise<void> => {
    const key = cid.toString()
    if (storing.has(key)) return
    storingBytes += block.byteLength
    const stored = sink.put(cid, block)
      .then(async () => { await Promise.all(brokers.map(async b => await b.announce?.(cid))) })
      .catch(err => { process.emitWarning(`a fetched block ${key} was not stored: ${(err as Error).message}`) })
      .finally(() => {
        storing.delete(key)
        storingBytes -= block.byteLength
      })
    storing.set(key, stored)
    // a disk slower than the network holds readers back instead of fetched blocks piling up
    // eslint-disable-next-line no-unmodified-loop-condition -- the writes' finally lowers storingBytes
    while (storingBytes > maxStoringBytes && storing.size > 0) await Promise.race(storing.values())
  }
  return async (cid, options = {}) => {
    const brokers = blockBrokers(helia)
    const retrievers = brokers.filter(b => b.retrieve != null)
    if (retrievers.length === 0) throw Object.assign(new Error(`no block source can fetch ${cid.toString()}`), { name: 'InvalidConfigurationError' })
    const done = new AbortController()
    const signal = AbortSignal.any([done.signal, ...(options.signal != null ? [options.signal] : [])])
    setMaxListeners(Infinity, signal)
    try {
      const block = await Promise.any(retrievers.map(async broker => {
        const bytes = await (broker.retrieve as NonNullable<BlockBroker['retrieve']>)(cid, { ...options, signal })
        if (broker.name !== 'bitswap') await verify(helia, cid, bytes)
        return bytes
      }))
      await store(cid, block, brokers)
      return block
    } finally {
      done.abort()
    }
  }
}
