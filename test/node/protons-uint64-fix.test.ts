import test from 'ava'
import { UnixFS } from 'ipfs-unixfs'
import { fixProtonsUint64 } from '../../node/protons-uint64-fix.js'

// what createNode does before any node encodes
test.before(fixProtonsUint64)

test('a 2 GiB UnixFS root encodes filesize and blocksizes as correct varints', t => {
  const file = new UnixFS({ type: 'file' })
  file.addBlockSize(2n ** 30n)
  file.addBlockSize(2n ** 30n)
  // Type=File (08 02), filesize 2^31 (18 + varint), two blocksizes 2^30 (20 + varint): what Kubo writes
  t.is(Buffer.from(file.marshal()).toString('hex'), '0802' + '188080808008' + '2080808080042080808080' + '04')
})

test('UnixFS sizes across [2^31, 2^32] survive a round trip', t => {
  const file = new UnixFS({ type: 'file' })
  for (const size of [2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 5n]) file.addBlockSize(size)
  const bytes = Buffer.from(file.marshal())
  t.true(bytes.includes(Buffer.from('20ffffffff0f', 'hex')))
  const back = UnixFS.unmarshal(bytes)
  t.deepEqual(back.blockSizes, [2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 5n])
  t.is(back.fileSize(), 2n ** 31n + 2n ** 32n - 1n + 2n ** 32n + 5n)
})
