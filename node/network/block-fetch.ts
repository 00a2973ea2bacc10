import { setMaxListeners } from 'node:events'
import { equals } from 'multiformats/bytes'
import { CorruptBlockError } from '../errors.js'
import { blockBrokers } from './fetch.js'
import { PeerCarFetch, type CarWant, type PeerCarSources } from './peer-car-fetch.js'
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

/**
 * How long a block that a peer's CAR stream is to bring is waited for before the block
 * brokers are asked as well: a stream reads in the DAG's order, and a read that starts
 * far into it (a range, a path) should not wait for all that comes before. A read that
 * waited this long counts against the stream (see peer-car-fetch.ts).
 */
const carHedgeMs = 500
/**
 * After this long without the block, the stream's rate so far says whether it will bring
 * it within {@link carHedgeMs}; if not, the brokers are asked at once (a slow link: four
 * such reads and the stream is let go, before a whole read-ahead has waited on it).
 */
const carCheckMs = 100

/** The block, or undefined when `ms` pass first. */
async function within (block: Promise<Uint8Array | undefined>, ms: number): Promise<Uint8Array | undefined> {
  let timer: NodeJS.Timeout | undefined
  const early = await Promise.race([block, new Promise<undefined>(resolve => { timer = setTimeout(() => { resolve(undefined) }, ms) })])
  clearTimeout(timer)
  return early
}

/** Hashes `block` with the CID's hash function and fails unless it matches. */
async function verify (helia: Pick<Helia, 'getHasher'>, cid: CID, block: Uint8Array): Promise<void> {
  const hasher = await helia.getHasher(cid.multihash.code)
  const digest = await hasher.digest(block, { truncate: cid.multihash.digest.byteLength })
  if (!equals(digest.digest, cid.multihash.digest)) throw new CorruptBlockError(`a block source sent bytes that do not hash to ${cid.toString()}`)
}

/** The block from a peer's CAR stream or from the brokers, whichever brings it first: see {@link networkFetch}. */
async function carOrBrokers (want: CarWant, brokers: () => Promise<Uint8Array>): Promise<Uint8Array> {
  if (want.near) {
    const rest = carHedgeMs - carCheckMs
    // a stream that has brought nothing yet (a far peer's first round trips) is given all of carHedgeMs
    const early = await within(want.block, carCheckMs) ?? ((want.etaMs() ?? 0) <= rest ? await within(want.block, rest) : undefined)
    if (early != null) return early
    want.late()
  }
  const other = brokers()
  const fromCar = want.block.then(block => block ?? Promise.reject(new Error('not in the stream')))
  try {
    const [block, viaCar] = await Promise.any([fromCar.then(b => [b, true] as const), other.then(b => [b, false] as const)])
    if (!viaCar) want.fetchedElsewhere(block)
    return block
  } catch {
    // neither brought it: the brokers' own error, as without a stream
    return await other
  }
}

/**
 * Gets blocks the repo lacks from connected peers' gateways as CAR streams
 * ({@link PeerCarFetch}, when `peers` is given) and from the node's block brokers
 * (bitswap, the configured trustless gateways). A block that a running stream is about
 * to bring is waited for there first (for {@link carHedgeMs}); one it is to bring later
 * is asked of both at once (the first wins); any other block is asked of
 * the brokers, and one of them that links to others opens a stream for what is below it.
 * Among the brokers, the first to bring a verified block wins and the others are
 * cancelled, as in Helia's networked blockstore, but the block is handed over as soon as
 * it is verified. Helia first stored it (a temporary file and a rename) and told the brokers
 * (which waits on bitswap's want list): a millisecond of each small fetch from a
 * connected peer. Here both run meanwhile: the repo's blockstore counts the write as
 * under way at once, so `has` and `get` of the block wait for it and a command's closing
 * sync too; past 16 MiB being written, a fetch waits for the disk. Bitswap's block is not
 * hashed again: its want list matched it by the digest of its bytes. Each failure of
 * every broker comes back in an AggregateError, as from Helia.
 */
export function networkFetch (helia: Helia, sink: BlockSink, peers?: PeerCarSources): NetworkFetch {
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
  const cars = peers != null ? new PeerCarFetch({ ...peers, store: async (cid, block) => { await store(cid, block, blockBrokers(helia)) } }) : undefined
  return async (cid, options = {}) => {
    const brokers = blockBrokers(helia)
    const retrievers = brokers.filter(b => b.retrieve != null)
    if (retrievers.length === 0) throw Object.assign(new Error(`no block source can fetch ${cid.toString()}`), { name: 'InvalidConfigurationError' })
    const done = new AbortController()
    const signal = AbortSignal.any([done.signal, ...(options.signal != null ? [options.signal] : [])])
    setMaxListeners(Infinity, signal)
    const fromBrokers = async (): Promise<Uint8Array> => await Promise.any(retrievers.map(async broker => {
      const bytes = await (broker.retrieve as NonNullable<BlockBroker['retrieve']>)(cid, { ...options, signal })
      if (broker.name !== 'bitswap') await verify(helia, cid, bytes)
      return bytes
    }))
    try {
      const want = cars?.want(cid, options.signal)
      let block: Uint8Array
      if (want != null) {
        block = await carOrBrokers(want, fromBrokers)
      } else {
        block = await fromBrokers()
        // before the reader has it: the blocks it links to are to wait on the stream it opens
        cars?.fetchedElsewhere(cid, block, options.signal)
      }
      await store(cid, block, brokers)
      return block
    } finally {
      done.abort()
    }
  }
}
