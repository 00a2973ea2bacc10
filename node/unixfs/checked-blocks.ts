import { Node } from 'ipfs-unixfs'
import { DAG_PB, MURMUR3_X64_64, RAW } from '../dag/codecs.js'
import { InvalidDagError } from '../errors.js'
import { readWholeBlock, type PieceSource } from './whole-blocks.js'
import type { BlockReadOptions } from '../repo/hashing-blockstore.js'
import { CID } from 'multiformats/cid'

/** The fanouts a HAMT directory may have: a power of two from 8 to 1024 (Kubo's rule). */
const MIN_FANOUT = 8n
const MAX_FANOUT = 1024n

/** What a block is expected to be from the blocks read before it. */
export interface BlockContext {
  /** The block is a HAMT sub-shard of a directory of this fanout. */
  shardFanout?: bigint
  /** Called with each sub-shard a HAMT block links to (a link named by its bucket alone). */
  onSubShard?: (cid: CID, fanout: bigint) => void
}

/**
 * Checks the UnixFS fields of a dag-pb block that content is read through, so a DAG
 * that breaks UnixFS rules is an ERR_INVALID_DAG instead of mangled names or short
 * reads: a HAMT directory needs a fanout that is a power of two from 8 to 1024, the
 * murmur3-x64-64 hash, and link names that start with a hex bucket of the fanout's
 * width; a symlink needs a target without NUL; a file node needs one block size per link, and the file size it declares must
 * be its data plus its block sizes; a HAMT sub-shard (see {@link BlockContext}) must be a
 * HAMT block of its parent's fanout. Any other block that is not UnixFS is left to the
 * exporter.
 */
export function checkUnixfsBlock (cid: CID, bytes: Uint8Array, context: BlockContext = {}): void {
  const invalid = (why: string): InvalidDagError => new InvalidDagError(`invalid DAG: block ${cid.toString()} ${why}`)
  let node: Node | undefined
  try {
    if (cid.code === DAG_PB) node = Node.decode(bytes)
  } catch {
    // not UnixFS (or not dag-pb): the exporter says which
  }
  const data = node?.data
  // the protobuf's type names (the message's enum is shadowed by the UnixFS class)
  const type: string | undefined = data?.type
  if (context.shardFanout != null && (type !== 'HAMT_SHARD' || data?.fanOut !== context.shardFanout)) {
    throw invalid(`is linked as a sub-shard of a HAMT directory of fanout ${context.shardFanout} but is not one`)
  }
  if (node == null || data == null) return
  switch (type) {
    case 'HAMT_SHARD': {
      if (data.hashType !== BigInt(MURMUR3_X64_64)) {
        throw invalid(`is a HAMT directory with hash type ${data.hashType == null ? 'none' : `0x${data.hashType.toString(16)}`} (only murmur3-x64-64, 0x22, is valid)`)
      }
      const fanout = data.fanOut
      if (fanout == null || fanout < MIN_FANOUT || fanout > MAX_FANOUT || (fanout & (fanout - 1n)) !== 0n) {
        throw invalid(`is a HAMT directory with fanout ${fanout?.toString() ?? 'none'} (a power of two from ${MIN_FANOUT} to ${MAX_FANOUT} is valid)`)
      }
      const width = (fanout - 1n).toString(16).length
      for (const link of node.links) {
        const name = link.name ?? ''
        if (name.length < width || !/^[0-9A-F]+$/.test(name.slice(0, width))) {
          throw invalid(`is a HAMT directory with a link named ${JSON.stringify(name)} (names start with ${width} hex digits)`)
        }
        if (name.length === width && link.hash != null) context.onSubShard?.(linkCid(link.hash, invalid), fanout)
      }
      return
    }
    case 'SYMLINK':
      // a target that is empty or holds a NUL cannot be written by `get`, nor followed
      if (data.data == null || data.data.byteLength === 0) throw invalid('is a symlink with an empty target')
      if (data.data.includes(0)) throw invalid('is a symlink whose target holds a NUL byte')
      return
    case 'FILE':
    case 'RAW': {
      if (data.blockSizes.length !== node.links.length) {
        throw invalid(`is a file node with ${node.links.length} links but ${data.blockSizes.length} block sizes`)
      }
      if (data.fileSize == null) return
      const sum = data.blockSizes.reduce((total, size) => total + size, BigInt(data.data?.byteLength ?? 0))
      if (sum !== data.fileSize) {
        throw invalid(`is a file node of declared size ${data.fileSize} whose data and block sizes add up to ${sum}`)
      }
    }
  }
}

function linkCid (bytes: Uint8Array, invalid: (why: string) => InvalidDagError): CID {
  try {
    return CID.decode(bytes)
  } catch {
    throw invalid('has a link that is not a CID')
  }
}

/**
 * A block source for reading UnixFS content: each `get` yields the whole block as one
 * piece (the exporter would join blockstore-fs's 64 KiB pieces by growing a buffer) after
 * {@link checkUnixfsBlock}. Every UnixFS read (path walks, the exporter, file bytes,
 * listings) goes through it, one source per read, which remembers the sub-shards of the
 * HAMT blocks it has read. A raw block read in pieces is passed through as it comes.
 */
export function checkedBlocks (store: PieceSource): PieceSource {
  const shards = new Map<string, bigint>()
  const onSubShard = (cid: CID, fanout: bigint): void => { shards.set(cid.toString(), fanout) }
  return {
    async * get (cid: CID, options?: BlockReadOptions) {
      const shardFanout = shards.get(cid.toString())
      if (options?.inPieces === true && cid.code === RAW && shardFanout == null) {
        // raw bytes have no UnixFS fields to check
        yield * store.get(cid, options)
        return
      }
      const block = await readWholeBlock(store, cid, options)
      checkUnixfsBlock(cid, block, shardFanout != null ? { shardFanout, onSubShard } : { onSubShard })
      yield block
    }
  }
}
