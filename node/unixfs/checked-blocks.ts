import { Node } from 'ipfs-unixfs'
import { DAG_PB, MURMUR3_X64_64 } from '../dag/codecs.js'
import { InvalidDagError } from '../errors.js'
import { readWholeBlock, type PieceSource } from './whole-blocks.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The fanouts a HAMT directory may have: a power of two from 8 to 1024 (Kubo's rule). */
const MIN_FANOUT = 8n
const MAX_FANOUT = 1024n

/**
 * Checks the UnixFS fields of a dag-pb block that content is read through, so a DAG
 * that breaks UnixFS rules is an ERR_INVALID_DAG instead of mangled names or short
 * reads: a HAMT directory needs a fanout that is a power of two from 8 to 1024, the
 * murmur3-x64-64 hash, and link names that start with a hex bucket of the fanout's
 * width; a file node needs one block size per link, and the file size it declares must
 * be its data plus its block sizes. A block that is not UnixFS is left to the exporter.
 */
export function checkUnixfsBlock (cid: CID, bytes: Uint8Array): void {
  if (cid.code !== DAG_PB) return
  let node: Node
  try {
    node = Node.decode(bytes)
  } catch {
    return // not UnixFS (or not dag-pb): the exporter says which
  }
  const data = node.data
  if (data == null) return
  const invalid = (why: string): InvalidDagError => new InvalidDagError(`invalid DAG: block ${cid.toString()} ${why}`)
  // the protobuf's type names (the message's enum is shadowed by the UnixFS class)
  const type: string | undefined = data.type
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
      }
      return
    }
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

/**
 * A block source for reading UnixFS content: each `get` yields the whole block as one
 * piece (the exporter would join blockstore-fs's 64 KiB pieces by growing a buffer) after
 * {@link checkUnixfsBlock}. Every UnixFS read (path walks, the exporter, file bytes,
 * listings) goes through it.
 */
export function checkedBlocks (store: PieceSource): PieceSource {
  return {
    async * get (cid: CID, options?: AbortOptions) {
      const block = await readWholeBlock(store, cid, options)
      checkUnixfsBlock(cid, block)
      yield block
    }
  }
}
