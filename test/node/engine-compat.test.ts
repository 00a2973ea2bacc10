import test from 'ava'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Three dependencies declare Node ≥ 22 (npm's EBADENGINE warnings on Node 20) while Cairn
 * supports Node 20. These tests load each exactly as its dependent resolves it and run the
 * calls the dependent makes, so the suite on Node 20 shows those code paths work there.
 */
async function loadAsDependentDoes (dependent: string, name: string): Promise<{ module: Record<string, unknown>, engines: string }> {
  const require = createRequire(resolve('node_modules', dependent, 'package.json'))
  const entry = require.resolve(name)
  let dir = dirname(entry)
  while (!(await readFile(join(dir, 'package.json'), 'utf8').then(s => (JSON.parse(s) as { name?: string }).name === name, () => false))) dir = dirname(dir)
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { engines?: { node?: string } }
  return { module: await import(pathToFileURL(entry).href) as Record<string, unknown>, engines: pkg.engines?.node ?? '' }
}

test('p-retry (libp2p, bitswap, kad-dht dial retries) retries, gives up, and stops on abort', async t => {
  const { module, engines } = await loadAsDependentDoes('libp2p', 'p-retry')
  t.regex(engines, /22/)
  const pRetry = module.default as (fn: (attempt: number) => Promise<string>, options: Record<string, unknown>) => Promise<string>
  let calls = 0
  t.is(await pRetry(async () => { if (++calls < 3) throw new Error('flaky'); return 'ok' }, { retries: 5, minTimeout: 1, factor: 1 }), 'ok')
  t.is(calls, 3)
  await t.throwsAsync(pRetry(async () => { throw new Error('always') }, { retries: 2, minTimeout: 1, factor: 1 }), { message: 'always' })
  const controller = new AbortController()
  const aborted = pRetry(async () => { controller.abort(new Error('stopped')); throw new Error('again') }, { retries: 10, minTimeout: 1, signal: controller.signal })
  await t.throwsAsync(aborted, { message: 'stopped' })
})

test('nanoid (circuit-relay reservation ids) makes URL-safe ids of the asked length', async t => {
  const { module, engines } = await loadAsDependentDoes('@libp2p/circuit-relay-v2', 'nanoid')
  t.regex(engines, /22/)
  const nanoid = module.nanoid as (size?: number) => string
  const ids = new Set(Array.from({ length: 1000 }, () => nanoid()))
  t.is(ids.size, 1000)
  for (const id of ids) t.regex(id, /^[A-Za-z0-9_-]{21}$/)
  t.is(nanoid(8).length, 8)
})

test('file-type 22 (verified-fetch content sniffing) recognises PNG and gzip bytes', async t => {
  const { module, engines } = await loadAsDependentDoes('@helia/verified-fetch', 'file-type')
  t.regex(engines, /22/)
  const fileTypeFromBuffer = module.fileTypeFromBuffer as (bytes: Uint8Array) => Promise<{ mime: string } | undefined>
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
  t.is((await fileTypeFromBuffer(png))?.mime, 'image/png')
  const gzip = Buffer.from('1f8b0800000000000003030000000000000000', 'hex')
  t.is((await fileTypeFromBuffer(gzip))?.mime, 'application/gzip')
  t.is(await fileTypeFromBuffer(Buffer.from('plain words')), undefined)
})
