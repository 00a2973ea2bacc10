import test from 'ava'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { pbLeafBlock } from '../../node/unixfs/leaf-importers.js'
import { readInFrames } from '../../node/unixfs/leaf-frames.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { importEntries, type ImportEvent } from '../../node/unixfs/importer.js'
import { importProfile } from '../../node/commands/import-profile.js'
import type { InputEntry } from '../../node/commands/command.js'
import type { CID } from 'multiformats/cid'

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

/** 5 chunks of 64 KiB into a blockstore whose leaf puts (the first 5) take `delayMs`, the root's 1 ms, and fail from the `failAt`-th on. */
async function importInto (options: { delayMs: number, failAt?: number }): Promise<{ events: ImportEvent[], written: Set<string>, rootWrittenWith: number }> {
  const written = new Set<string>()
  let puts = 0
  const blockstore = {
    async put (cid: CID): Promise<CID> {
      const n = ++puts
      await new Promise(resolve => setTimeout(resolve, n <= 5 ? options.delayMs : 1))
      if (options.failAt != null && n >= options.failAt) throw new Error('disk full')
      written.add(cid.toString())
      return cid
    }
  }
  const profile = { ...importProfile({}), chunker: { type: 'fixed' as const, size: 64 * 1024 } }
  async function * inputs (): AsyncGenerator<InputEntry> {
    yield { path: 'f', content: (async function * () { for (let i = 0; i < 5; i++) yield new Uint8Array(64 * 1024).fill(i) })() }
  }
  const events: ImportEvent[] = []
  let rootWrittenWith = -1
  for await (const event of importEntries(inputs(), blockstore, profile)) {
    if (event.type === 'added') rootWrittenWith = written.size
    events.push(event)
  }
  return { events, written, rootWrittenWith }
}

test('leaves are written behind the importer, but a file\'s node only after all its leaves, and the import ends after every write', async t => {
  const { events, written, rootWrittenWith } = await importInto({ delayMs: 50 })
  t.is(events.filter(e => e.type === 'added').length, 1)
  // 5 leaves and their root, all written before the file was reported
  t.is(rootWrittenWith, 6)
  t.is(written.size, 6)
})

test('a leaf write that fails fails the import, and the file is not reported', async t => {
  let reported = 0
  await t.throwsAsync(async () => {
    const { events } = await importInto({ delayMs: 5, failAt: 2 })
    reported = events.length
  }, { message: 'disk full' })
  t.is(reported, 0)
})

for (const [name, options] of [['CIDv0 (dag-pb leaves)', { 'cid-version': 0 }], ['CIDv1 (raw leaves)', {}]] as const) {
  test(`a ${name} import of a local file reads into frames again only once their leaves are written: every leaf is stored as it was hashed`, async t => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-frame-reuse-'))
    t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
    // 16 MiB in 64 KiB chunks: four reads of 64 frames each, so the later reads can take frames back
    const size = 16 * 1024 * 1024
    const chunk = 64 * 1024
    const path = join(dir, 'input.bin')
    await writeFile(path, deterministicBytes(size, 3))
    const profile = { ...importProfile(options), chunker: { type: 'fixed' as const, size: chunk } }
    let stale = 0
    const frames = new Set<ArrayBufferLike>()
    let puts = 0
    const blockstore = {
      async put (cid: CID, bytes: Uint8Array): Promise<CID> {
        frames.add(bytes.buffer)
        // writes that take a while, some longer than the reads and hashes after them
        await new Promise(resolve => setTimeout(resolve, ++puts % 7 === 0 ? 30 : 1))
        if (!createHash('sha256').update(bytes).digest().equals(cid.multihash.digest)) stale++
        return cid
      }
    }
    const rootOf = async (input: InputEntry): Promise<string> => {
      let root = ''
      for await (const event of importEntries((async function * () { yield input })(), blockstore, profile)) {
        if (event.type === 'added') root = event.cid.toString()
      }
      return root
    }
    const framed = await rootOf({ path: 'f', content: createReadStream(path), readChunks: chunkSize => readInFrames(path, chunkSize, size) })
    t.is(stale, 0, 'no leaf changed between its hash and the end of its write')
    t.true(frames.size < size / chunk, `frames were read into again (${frames.size} buffers for ${size / chunk} leaves)`)
    t.is(framed, await rootOf({ path: 'f', content: createReadStream(path) }), 'the same root as the same bytes through the stream')
    t.is(stale, 0)
  })
}
