import test from 'ava'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { pbLeafBlock } from '../../node/unixfs/leaf-importers.js'
import { framesOf, readInFrames, releaseFrame } from '../../node/unixfs/leaf-frames.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { importEntries, importerOptions, type ImportEvent } from '../../node/unixfs/importer.js'
import { WriteBehind } from '../../node/unixfs/write-behind.js'
import { importer } from 'ipfs-unixfs-importer'
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

test('a stream comes out in frames of whole chunks whatever the size of its pieces, and a frame given back is filled again', async t => {
  const chunk = 1000
  const bytes = deterministicBytes(10_500, 5)
  // pieces shorter than a chunk, longer than two, empty, and ending on a chunk's edge
  const cuts = [0, 1, 999, 999, 3500, 3500, 6000, 6001, 10_500]
  async function * pieces (): AsyncGenerator<Uint8Array> {
    for (let i = 1; i < cuts.length; i++) yield bytes.slice(cuts[i - 1], cuts[i])
  }
  const frames: Uint8Array[] = []
  const buffers = new Set<ArrayBufferLike>()
  for await (const frame of framesOf(pieces(), chunk)) {
    // each frame's bytes are taken before it is given back
    frames.push(frame.slice())
    buffers.add(frame.buffer)
    releaseFrame(frame)
  }
  t.deepEqual(frames.map(f => f.byteLength), [...Array<number>(10).fill(chunk), 500])
  t.true(Buffer.concat(frames).equals(bytes))
  t.is(buffers.size, 1, 'one frame, filled again and again (the short last one too)')
  const none: Uint8Array[] = []
  for await (const frame of framesOf((async function * () {})(), chunk)) none.push(frame)
  t.deepEqual(none, [], 'an empty stream gives no frame')
})

/** The root ipfs-unixfs-importer makes of `bytes` with its own leaves and chunker, under `profile`. */
async function libraryRoot (bytes: Uint8Array, profile: ReturnType<typeof importProfile>): Promise<string> {
  const blockstore = { put: async (cid: CID) => cid }
  const options = importerOptions(profile, new WriteBehind(blockstore))
  delete options.bufferImporter
  let root = ''
  for await (const entry of importer([{ path: 'f', content: [bytes] }], blockstore, options)) root = entry.cid.toString()
  return root
}

for (const [name, options] of [['CIDv0 (dag-pb leaves)', { 'cid-version': 0 }], ['CIDv1 (raw leaves)', {}]] as const) {
  test(`a ${name} import of a local file or a stream fills frames again only once their leaves are written: every leaf is stored as it was hashed`, async t => {
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
    const expected = await libraryRoot(deterministicBytes(size, 3), profile)
    const framed = await rootOf({ path: 'f', content: createReadStream(path), readChunks: chunkSize => readInFrames(path, chunkSize, size) })
    t.is(stale, 0, 'no leaf changed between its hash and the end of its write')
    t.true(frames.size < size / chunk, `frames were read into again (${frames.size} buffers for ${size / chunk} leaves)`)
    t.is(framed, expected, 'the root ipfs-unixfs-importer makes of the same bytes')
    frames.clear()
    // a stream's 64 KiB pieces are copied into frames (stdin, an RPC upload)
    t.is(await rootOf({ path: 'f', content: createReadStream(path, { highWaterMark: 48 * 1024 }) }), expected, 'the same root from a stream')
    t.is(stale, 0)
    t.true(frames.size < size / chunk, `a stream's frames were filled again (${frames.size} buffers for ${size / chunk} leaves)`)
  })
}
