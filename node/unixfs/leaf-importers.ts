import { UnixFS } from 'ipfs-unixfs'
import { CID, varint, type Version } from 'multiformats'
import { create as createDigest } from 'multiformats/hashes/digest'
import { DAG_PB, RAW, SHA2_256 } from '../dag/codecs.js'
import { blockDigest } from '../repo/block-hash.js'
import { frameRoom, releaseFrame } from './leaf-frames.js'
import type { WriteBehind } from './write-behind.js'
import type { BufferImporter } from 'ipfs-unixfs-importer'

/** The UnixFS leaf types whose blocks {@link pbLeafImporter} writes. */
export type PbLeafType = 'file' | 'raw'

/** UnixFS `DataType` values (unixfs.proto). */
const DATA_TYPE: Record<PbLeafType, number> = { raw: 0, file: 2 }

/**
 * A dag-pb UnixFS leaf holding `data`, the same bytes as ipfs-unixfs-importer's default
 * (`dagPb.encode({ Data: new UnixFS({ type, data }).marshal(), Links: [] })`): PBNode
 * field 1 (Data) holding UnixFS field 1 (Type), field 2 (Data, absent when empty) and
 * field 3 (filesize). Written around `data` in place when it is a frame's chunk
 * ({@link frameRoom}), else in one allocation.
 */
export function pbLeafBlock (type: PbLeafType, data: Uint8Array): Uint8Array {
  const size = data.byteLength
  const sizeLength = varint.encodingLength(size)
  const dataHead = size > 0 ? 1 + sizeLength : 0
  const tail = 1 + sizeLength
  const unixfsSize = 2 + dataHead + size + tail
  const head = 1 + varint.encodingLength(unixfsSize) + 2 + dataHead
  const room = frameRoom(data, head, tail)
  const block = room != null
    ? new Uint8Array(data.buffer, room - head, head + size + tail)
    : Buffer.allocUnsafe(head + size + tail)
  let at = 0
  block[at++] = 0x0a
  varint.encodeTo(unixfsSize, block, at)
  at += varint.encodingLength(unixfsSize)
  block[at++] = 0x08
  block[at++] = DATA_TYPE[type]
  if (size > 0) {
    block[at++] = 0x12
    varint.encodeTo(size, block, at)
    at += sizeLength
    if (room == null) block.set(data, at)
    at += size
  }
  block[at++] = 0x18
  varint.encodeTo(size, block, at)
  return block
}

/** A buffer importer whose jobs encode each chunk with `leaf` (told whether it is the file's first), hash it and write it behind the importer. */
function leafImporter (writes: WriteBehind, version: Version, codec: number, leaf: (data: Uint8Array, first: boolean) => { block: Uint8Array, unixfs?: UnixFS }): BufferImporter {
  return async function * (file) {
    let first = true
    for await (const data of file.content) {
      const isFirst = first
      first = false
      const { block, unixfs } = leaf(data, isFirst)
      const digest = blockDigest(SHA2_256, block)
      digest.catch(() => {})
      // past the file's first leaf (whose UnixFS keeps the chunk, and whose block the
      // importer keeps while the file may be one leaf), the chunk's frame is given back once
      // the leaf is written: the importer lets go of every other leaf's block, and a block
      // made elsewhere than in the frame no longer needs it (releaseFrame takes whole frames only)
      const written = isFirst ? undefined : () => { releaseFrame(data) }
      yield async () => {
        const cid = CID.create(version, codec, createDigest(SHA2_256, await digest))
        await writes.behind(cid, block, written)
        return { cid, ...(unixfs != null ? { unixfs } : {}), size: BigInt(block.byteLength), block }
      }
    }
  }
}

/** ipfs-unixfs-importer's buffer importer for raw leaves (CIDv1 `raw` blocks), as its default one but writing behind. */
export function rawLeafImporter (writes: WriteBehind): BufferImporter {
  return leafImporter(writes, 1, RAW, data => ({ block: data }))
}

/**
 * ipfs-unixfs-importer's buffer importer for dag-pb leaves (CIDv0's `file` leaves,
 * trickle's UnixFS `raw` ones), writing behind, with each leaf encoded by
 * {@link pbLeafBlock}: the default copies every chunk twice (UnixFS, then dag-pb) into
 * zero-filled buffers, and a 512 MiB CIDv0 add spent a fifth of its main thread in the
 * garbage collection those copies caused.
 *
 * The layout keeps each leaf's result until it makes the leaf's parent (174 leaves of a
 * CIDv0 file: 44 MiB of chunks when its UnixFS holds the chunk) and reads only the
 * size of the data from it. Past a file's first leaf (the whole file when it is the
 * only one) the UnixFS given carries that size as its one block size instead, which
 * the layout counts the same, and the chunk is let go once written.
 */
export function pbLeafImporter (writes: WriteBehind, options: { cidVersion: Version, leafType: PbLeafType }): BufferImporter {
  return leafImporter(writes, options.cidVersion, DAG_PB, (data, first) => ({
    block: pbLeafBlock(options.leafType, data),
    unixfs: first ? new UnixFS({ type: options.leafType, data }) : new UnixFS({ type: options.leafType, blockSizes: [BigInt(data.byteLength)] })
  }))
}
