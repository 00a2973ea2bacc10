import test from 'ava'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { hasBlockFile, readBlockFile } from '../../node/repo/block-read.js'

async function file (size: number): Promise<{ path: string, bytes: Buffer }> {
  const path = join(await mkdtemp(join(tmpdir(), 'cairn-block-read-')), 'block.data')
  const bytes = randomBytes(size)
  await writeFile(path, bytes)
  return { path, bytes }
}

test('small and large block files read whole (in place up to 64 KiB, on libuv threads above)', async t => {
  for (const size of [0, 1, 1024, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 7]) {
    const { path, bytes } = await file(size)
    t.deepEqual(Buffer.from(await readBlockFile(path)), bytes, `${size} bytes`)
    t.true(hasBlockFile(path))
  }
})

test('a missing block file fails with ENOENT, and has says false', async t => {
  const path = join(tmpdir(), `cairn-no-such-block-${process.pid}.data`)
  const err = await t.throwsAsync(readBlockFile(path))
  t.is((err as NodeJS.ErrnoException).code, 'ENOENT')
  t.false(hasBlockFile(path))
})

test('an aborted read fails with the abort reason', async t => {
  const { path } = await file(1024)
  const err = await t.throwsAsync(readBlockFile(path, { signal: AbortSignal.abort(new Error('gone')) }))
  t.is(err?.message, 'gone')
})
