import test from 'ava'
import { createReadStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { importCar } from '../../node/car/car-import.js'
import { collectGarbage, type GcRemoval } from '../../node/pins/gc.js'
import { withoutGc } from '../../node/pins/gc-lock.js'
import { addPin, verifyPins } from '../../node/pins/pins.js'
import { fixturePath, tempNode } from '../helpers/fixtures.js'

const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')

async function gcAll (node: Parameters<typeof collectGarbage>[0]): Promise<GcRemoval[]> {
  const removed: GcRemoval[] = []
  for await (const removal of collectGarbage(node)) removed.push(removal)
  return removed
}

test('GC in the same node waits for an import that has written its blocks but not pinned them yet', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  let letPin!: () => void
  const mayPin = new Promise<void>(resolve => { letPin = resolve })
  let imported!: () => void
  const blocksWritten = new Promise<void>(resolve => { imported = resolve })

  const importing = withoutGc(node, async () => {
    const { roots } = await importCar(node, createReadStream(dirCar))
    imported()
    await mayPin
    for (const root of roots) await addPin(node, root, { recursive: true })
  })
  await blocksWritten
  let gcDone = false
  const gc = gcAll(node).finally(() => { gcDone = true })
  await sleep(300)
  t.false(gcDone, 'GC waits while the import holds the lock')
  letPin()
  await importing
  t.deepEqual(await gc, [], 'nothing is garbage once the root is pinned')
  for await (const result of verifyPins(node)) t.true(result.Ok)
})

test('without the lock, GC between writing blocks and pinning them would take the blocks', async t => {
  const { node, cleanup } = await tempNode()
  t.teardown(cleanup)
  const { blocks } = await importCar(node, createReadStream(dirCar))
  t.is(blocks, 9)
  const removed = await gcAll(node)
  t.is(removed.filter(r => r.kind === 'block').length, 9)
})
