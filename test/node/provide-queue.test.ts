import test from 'ava'
import { setTimeout as sleep, setImmediate } from 'node:timers/promises'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { ProvideQueue, type ProvideFn, type ProvideQueueOptions } from '../../node/network/provide-queue.js'

async function cids (count: number): Promise<CID[]> {
  return await Promise.all(Array.from({ length: count }, async (_, i) => CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`block ${i}`)))))
}

/**
 * Provides `count` CIDs with `work` through a queue and returns the size of each batch:
 * a batch's provides all start before any of them ends (each `work` first yields), so
 * a batch begins where the number under way is back at one.
 */
async function batchSizes (count: number, work: () => Promise<void>, options: ProvideQueueOptions = {}): Promise<number[]> {
  let active = 0
  const sizes: number[] = []
  const provide: ProvideFn = async () => {
    active++
    if (active === 1) sizes.push(0)
    sizes[sizes.length - 1] = Math.max(sizes[sizes.length - 1] as number, active)
    try {
      await work()
    } finally {
      active--
    }
  }
  const queue = new ProvideQueue(provide, options)
  queue.start()
  queue.add(await cids(count))
  await queue.onIdle()
  await queue.stop()
  return sizes
}

/** A provide that keeps the main thread busy for `ms` (a provide among peers near at hand is all CPU). */
const busy = (ms: number) => async (): Promise<void> => {
  await setImmediate()
  const end = performance.now() + ms
  while (performance.now() < end) { /* busy */ }
}

test.serial('provides that keep the event loop busy halve each next batch, down to one at a time', async t => {
  const sizes = await batchSizes(48, busy(4))
  t.deepEqual(sizes.slice(0, 5), [16, 8, 4, 2, 1])
  t.true(sizes.slice(4).every(size => size === 1), sizes.join(' '))
  t.is(sizes.reduce((a, b) => a + b, 0), 48)
})

test.serial('provides that wait on peers go 16 at a time', async t => {
  // 50 ms each: a batch measured over 10 ms read as busy when a loaded machine held the loop up for 5
  t.deepEqual(await batchSizes(48, async () => { await sleep(50) }), [16, 16, 16])
})

test.serial('once the node has time to spare again, batches grow by one each', async t => {
  let calls = 0
  // busy for the first batch, then idle
  const busyness = (): number => (calls++ < 2 ? 0.9 : 0.1)
  const sizes = await batchSizes(50, async () => { await sleep(1) }, { busyness })
  t.deepEqual(sizes.slice(0, 4), [16, 8, 9, 10])
})

test.serial('batchSize bounds the batches whatever the busyness', async t => {
  t.deepEqual(await batchSizes(12, async () => { await sleep(1) }, { batchSize: 4, busyness: () => 0 }), [4, 4, 4])
})
