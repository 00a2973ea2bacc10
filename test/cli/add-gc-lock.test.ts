import test from 'ava'
import { setTimeout as sleep } from 'node:timers/promises'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { add, type AddValue } from '../../node/commands/add.js'
import { collectGarbage, type GcRemoval } from '../../node/pins/gc.js'
import { verifyPins } from '../../node/pins/pins.js'
import { blockKey } from '../../node/repo/block-files.js'
import { tempNode } from '../helpers/fixtures.js'
import type { InputEntry } from '../../node/commands/command.js'

/*
 * The daemon runs `add` (the table command, as the RPC server does) and `repo gc` in one
 * process; the GC lock must keep GC from taking the blocks an add has written but not
 * pinned yet.
 */
test('GC during an add waits until the add has pinned, and takes none of its blocks', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const first = new TextEncoder().encode('written before GC starts\n')
  const firstCid = CID.createV1(raw.code, await sha256.digest(first))
  let letFinish!: () => void
  const mayFinish = new Promise<void>(resolve => { letFinish = resolve })
  async function * inputs (): AsyncGenerator<InputEntry> {
    yield { path: 'dir' }
    yield { path: 'dir/a.txt', content: [first] as unknown as AsyncIterable<Uint8Array> }
    yield {
      path: 'dir/b.txt',
      content: (async function * () {
        await mayFinish
        yield new TextEncoder().encode('written after GC starts\n')
      })()
    }
  }
  const signal = new AbortController().signal
  const values: AddValue[] = []
  const adding = (async () => {
    for await (const value of add.run({ node, signal }, { args: ['dir'], options: { recursive: true }, inputs: inputs() })) values.push(value)
  })()
  while (!(await node.repo.blockstore.has(firstCid))) await sleep(20)

  let gcDone = false
  const removed: GcRemoval[] = []
  const gc = (async () => {
    for await (const removal of collectGarbage(node)) removed.push(removal)
  })().finally(() => { gcDone = true })
  await sleep(300)
  t.false(gcDone, 'GC waits while the add has blocks written but not pinned')
  letFinish()
  await adding
  await gc
  t.is(values.length, 3)
  const added = new Set(values.map(v => 'Hash' in v ? blockKey(CID.parse(v.Hash).multihash) : ''))
  // the importer's interim empty directory node is the only garbage
  t.deepEqual(removed.filter(r => r.kind === 'block' && added.has(blockKey(r.cid.multihash))), [], 'GC took none of the added blocks')
  t.true(await node.repo.blockstore.has(firstCid))
  let pins = 0
  for await (const result of verifyPins(node)) {
    pins++
    t.true(result.Ok, JSON.stringify(result))
  }
  t.is(pins, 1)
})
