import test from 'ava'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, tempRepo } from '../helpers/cli.js'
import { deterministicChunks, sha256Of } from '../helpers/deterministic-data.js'
import { spawnSampled } from '../helpers/peak-rss.js'

const size = 2 * 1024 * 1024 * 1024
const limit = 300 * 1024 * 1024
const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`

test('add, cat and get of a 2 GiB stream each stay under 300 MiB peak RSS and keep the bytes', async t => {
  t.timeout(15 * 60_000)
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const out = await tempDir()
  t.teardown(out.cleanup)
  const env = { CAIRN_PATH: repo }

  // add: 2 GiB generated on the fly into stdin, hashed as it goes
  const add = spawnSampled(['add', '-q'], env)
  let stdout = ''
  add.child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  const input = createHash('sha256')
  for (const chunk of deterministicChunks(size)) {
    input.update(chunk)
    if (!add.child.stdin.write(chunk)) await once(add.child.stdin, 'drain')
  }
  add.child.stdin.end()
  const added = await add.done
  t.is(added.code, 0, added.stderr)
  const cid = stdout.trim()
  const expected = input.digest('hex')
  t.log(`add: peak RSS ${MiB(added.peakRss)}, ${cid}`)
  t.true(added.peakRss > 0, 'VmHWM was sampled')
  t.true(added.peakRss < limit, `add peak RSS ${MiB(added.peakRss)}`)

  // cat: to a counting, hashing sink
  const cat = spawnSampled(['cat', cid], env)
  const catHash = createHash('sha256')
  let catBytes = 0
  cat.child.stdout.on('data', (b: Buffer) => { catHash.update(b); catBytes += b.length })
  const catted = await cat.done
  t.is(catted.code, 0, catted.stderr)
  t.log(`cat: peak RSS ${MiB(catted.peakRss)}`)
  t.is(catBytes, size)
  t.is(catHash.digest('hex'), expected)
  t.true(catted.peakRss < limit, `cat peak RSS ${MiB(catted.peakRss)}`)

  // get: to a temp file, hashed from disk, then deleted
  const target = join(out.path, 'big.bin')
  const get = spawnSampled(['get', cid, '-o', target], env)
  get.child.stdout.resume()
  const got = await get.done
  t.is(got.code, 0, got.stderr)
  t.log(`get: peak RSS ${MiB(got.peakRss)}`)
  t.is(await sha256Of(createReadStream(target, { highWaterMark: 1024 * 1024 })), expected)
  await rm(target)
  t.true(got.peakRss < limit, `get peak RSS ${MiB(got.peakRss)}`)
})
