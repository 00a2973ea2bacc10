import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { pbLeafBlock } from '../../node/unixfs/pb-leaves.js'

/** The leaf as ipfs-unixfs-importer's default buffer importer encodes it. */
function libraryLeaf (type: 'file' | 'raw', data: Uint8Array): Uint8Array {
  return dagPb.encode({ Data: new UnixFS({ type, data }).marshal(), Links: [] })
}

test('a dag-pb leaf is byte for byte the importer\'s own, at every varint length boundary', t => {
  for (const type of ['file', 'raw'] as const) {
    for (const size of [0, 1, 122, 123, 127, 128, 16_376, 16_383, 16_384, 262_144, 1_048_576, 2_097_151, 2_097_152]) {
      const data = new Uint8Array(size)
      for (let i = 0; i < size; i++) data[i] = (i * 13 + size) & 0xff
      t.true(Buffer.from(pbLeafBlock(type, data)).equals(libraryLeaf(type, data)), `${type} leaf of ${size} bytes`)
    }
  }
})

test('a leaf decodes back to its data, type and size', t => {
  const data = new TextEncoder().encode('hello world\n')
  const node = dagPb.decode(pbLeafBlock('file', data))
  t.deepEqual(node.Links, [])
  const unixfs = UnixFS.unmarshal(node.Data as Uint8Array)
  t.is(unixfs.type, 'file')
  t.true(Buffer.from(data).equals(unixfs.data as Uint8Array))
  t.is(unixfs.fileSize(), BigInt(data.byteLength))
})
