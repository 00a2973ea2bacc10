import { code as DAG_PB_CODE } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID, varint, type Version } from 'multiformats'
import { sha256 } from 'multiformats/hashes/sha2'
import type { BufferImporter } from 'ipfs-unixfs-importer'

/** The UnixFS leaf types whose blocks {@link pbLeafImporter} writes. */
export type PbLeafType = 'file' | 'raw'

/** UnixFS `DataType` values (unixfs.proto). */
const DATA_TYPE: Record<PbLeafType, number> = { raw: 0, file: 2 }

/**
 * A dag-pb UnixFS leaf holding `data`, the same bytes as ipfs-unixfs-importer's default
 * (`dagPb.encode({ Data: new UnixFS({ type, data }).marshal(), Links: [] })`) in one
 * allocation: PBNode field 1 (Data) holding UnixFS field 1 (Type), field 2 (Data,
 * absent when empty) and field 3 (filesize).
 */
export function pbLeafBlock (type: PbLeafType, data: Uint8Array): Uint8Array {
  const size = data.byteLength
  const dataField = size > 0 ? 1 + varint.encodingLength(size) + size : 0
  const unixfsSize = 2 + dataField + 1 + varint.encodingLength(size)
  const block: Uint8Array = Buffer.allocUnsafe(1 + varint.encodingLength(unixfsSize) + unixfsSize)
  let at = 0
  block[at++] = 0x0a
  varint.encodeTo(unixfsSize, block, at)
  at += varint.encodingLength(unixfsSize)
  block[at++] = 0x08
  block[at++] = DATA_TYPE[type]
  if (size > 0) {
    block[at++] = 0x12
    varint.encodeTo(size, block, at)
    at += varint.encodingLength(size)
    block.set(data, at)
    at += size
  }
  block[at++] = 0x18
  varint.encodeTo(size, block, at)
  return block
}

/**
 * ipfs-unixfs-importer's buffer importer for dag-pb leaves (CIDv0's `file` leaves,
 * trickle's UnixFS `raw` ones), as its default one but with each leaf encoded by
 * {@link pbLeafBlock}: the default copies every chunk twice (UnixFS, then dag-pb) into
 * zero-filled buffers, and a 512 MiB CIDv0 add spent a fifth of its main thread in the
 * garbage collection those copies caused.
 */
export function pbLeafImporter (options: { cidVersion: Version, leafType: PbLeafType }): BufferImporter {
  return async function * (file, blockstore) {
    for await (const data of file.content) {
      yield async () => {
        const block = pbLeafBlock(options.leafType, data)
        const cid = CID.create(options.cidVersion, DAG_PB_CODE, await sha256.digest(block))
        await blockstore.put(cid, block)
        return { cid, unixfs: new UnixFS({ type: options.leafType, data }), size: BigInt(block.byteLength), block }
      }
    }
  }
}
