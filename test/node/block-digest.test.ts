import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import { create as createDigest } from 'multiformats/hashes/digest'
import { blockDigest, blockMatches } from '../../node/repo/block-hash.js'
import { SHA2_256, SHA2_512, IDENTITY } from '../../node/dag/codecs.js'

const sizes = [0, 1, 4096, 64 * 1024 - 1, 64 * 1024, 256 * 1024, 1024 * 1024 + 7]

test('blocks of every size hash as createHash does, in place and on libuv\'s threads', async t => {
  for (const size of sizes) {
    const bytes = randomBytes(size)
    t.deepEqual(Buffer.from(await blockDigest(SHA2_256, bytes)), createHash('sha256').update(bytes).digest(), `sha2-256 of ${size} bytes`)
    t.deepEqual(Buffer.from(await blockDigest(SHA2_512, bytes)), createHash('sha512').update(bytes).digest(), `sha2-512 of ${size} bytes`)
  }
})

test('many large blocks at once (more than the threads) each get their own digest', async t => {
  const blocks = Array.from({ length: 24 }, (_, i) => randomBytes(128 * 1024 + i))
  const digests = await Promise.all(blocks.map(async block => await blockDigest(SHA2_256, block)))
  digests.forEach((digest, i) => { t.deepEqual(Buffer.from(digest), createHash('sha256').update(blocks[i] as Uint8Array).digest()) })
})

test('blocks that wait for a thread, among blocks hashed in place, all get their own digest', async t => {
  t.timeout(20_000)
  const blocks = Array.from({ length: 40 }, (_, i) => randomBytes(128 * 1024 + i))
  // of every four, two queue for the threads (a lost wake-up would leave some waiting
  // forever), one takes a free thread or is hashed in place, one is hashed in place
  const uses = ['wait', 'free', 'wait', 'none'] as const
  const digests = await Promise.all(blocks.map(async (block, i) => await blockDigest(SHA2_256, block, { thread: uses[i % 4] as typeof uses[number] })))
  digests.forEach((digest, i) => { t.deepEqual(Buffer.from(digest), createHash('sha256').update(blocks[i] as Uint8Array).digest()) })
})

test('a view into a larger buffer hashes only its own bytes', async t => {
  const whole = randomBytes(3 * 128 * 1024)
  const view = whole.subarray(128 * 1024, 2 * 128 * 1024)
  t.deepEqual(Buffer.from(await blockDigest(SHA2_256, view)), createHash('sha256').update(view).digest())
})

test('blockMatches says whether bytes are the block a multihash names', async t => {
  const bytes = randomBytes(200 * 1024)
  const multihash = createDigest(SHA2_256, createHash('sha256').update(bytes).digest())
  t.true(await blockMatches(multihash, bytes))
  const changed = Buffer.from(bytes)
  changed.writeUInt8(changed.readUInt8(0) ^ 1, 0)
  t.false(await blockMatches(multihash, changed))
  t.true(await blockMatches(createDigest(IDENTITY, Buffer.from('hi')), Buffer.from('hi')))
  t.false(await blockMatches(createDigest(IDENTITY, Buffer.from('hi')), Buffer.from('ho')))
})

test('an unsupported hash function is refused by name', async t => {
  await t.throwsAsync(blockDigest(0x1e, new Uint8Array(8)), { message: 'unsupported hash function 0x1e' })
})
