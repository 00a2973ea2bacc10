import test from 'ava'
import { add, isAddProgress, type AddValue } from '../../node/commands/add.js'
import type { AddedEntry } from '../../node/unixfs/importer.js'
import { collectGarbage } from '../../node/pins/gc.js'
import { listPins, verifyPins } from '../../node/pins/pins.js'
import { tempNode } from '../helpers/fixtures.js'
import type { InputEntry } from '../../node/commands/command.js'

/*
 * add pins what it wrote from the links it recorded while writing: a CIDv0 add (leaves
 * are dag-pb blocks, which the pin's walk would otherwise read back and re-hash) reads
 * no block of its own DAG, and the pin it leaves covers every block of it.
 */
test('a CIDv0 add pins its DAG without reading back the blocks it wrote', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const store = node.repo.blockstore
  let gets = 0
  const get = store.get.bind(store)
  store.get = (...args: Parameters<typeof get>) => { gets++; return get(...args) }
  t.teardown(() => { store.get = get })

  // 3 MiB in 256 KiB chunks: 12 dag-pb leaves below one root
  const chunk = new Uint8Array(256 * 1024)
  async function * inputs (): AsyncGenerator<InputEntry> {
    yield {
      path: 'data.bin',
      content: (async function * () {
        for (let i = 0; i < 12; i++) yield chunk.map((_, j) => (i * 31 + j * 7) & 0xff)
      })()
    }
  }
  const values: AddValue[] = []
  for await (const value of add.run({ node, signal: new AbortController().signal }, { args: ['data.bin'], options: { 'cid-version': 0 }, inputs: inputs() })) values.push(value)
  const entries = values.filter((v): v is AddedEntry => !isAddProgress(v))
  const root = entries.at(-1)?.Hash
  t.true(root?.startsWith('Qm'))
  t.is(gets, 0, 'blocks read back by the pin')

  const pins = []
  for await (const pin of listPins(node)) pins.push(`${pin.cid.toString()} ${pin.type}`)
  t.deepEqual(pins, [`${root} recursive`])
  for await (const removal of collectGarbage(node)) t.fail(`GC removed a ${removal.kind}`)
  for await (const result of verifyPins(node)) t.true(result.Ok)
})
