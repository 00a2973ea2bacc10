import test from 'ava'
import { createHash } from 'node:crypto'
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { Denylist, parseDenylist } from '../../node/denylist/index.js'
import { tempDir } from '../helpers/cli.js'

const a = CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
const dirV1 = CID.parse('bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy')
const dirV0 = dirV1.toV0()

async function listIn (files: Record<string, string>): Promise<{ list: Denylist, dir: string, cleanup: () => Promise<void> }> {
  const tmp = await tempDir('cairn-deny-')
  const dir = join(tmp.path, 'denylists')
  await mkdir(dir)
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return { list: new Denylist(dir, { recheckMs: 0 }), dir, cleanup: tmp.cleanup }
}

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

test('a CID rule blocks the multihash under any CID version, and every path through it', async t => {
  const { list, cleanup } = await listIn({ 'a.deny': `/ipfs/${dirV0.toString()}\n` })
  t.teardown(cleanup)
  t.true(await list.isBlocked(dirV1))
  t.true(await list.isBlocked(dirV1, ['hello.txt']))
  t.false(await list.isBlocked(a))
})

test('path rules block exactly that path; prefix rules everything under it; last match wins', async t => {
  const { list, cleanup } = await listIn({
    'a.deny': [
      '# comment',
      '',
      `/ipfs/${dirV1}/hello.txt`,
      `/ipfs/${dirV1}/sub/*`,
      `/ipfs/${dirV1}/pre*`,
      `!/ipfs/${dirV1}/sub/allowed`,
      `/ipfs/${dirV1}/with%20space.txt`
    ].join('\n')
  })
  t.teardown(cleanup)
  t.false(await list.isBlocked(dirV1))
  t.true(await list.isBlocked(dirV1, ['hello.txt']))
  t.false(await list.isBlocked(dirV1, ['hello.txt', 'x']))
  t.true(await list.isBlocked(dirV1, ['sub']))
  t.true(await list.isBlocked(dirV1, ['sub', 'deep', 'er']))
  t.false(await list.isBlocked(dirV1, ['sub', 'allowed']))
  t.true(await list.isBlocked(dirV1, ['prefix-thing']))
  t.true(await list.isBlocked(dirV1, ['with space.txt']))
  t.false(await list.isBlocked(dirV1, ['other']))
})

test('an allow rule before a deny rule does not win', async t => {
  const { list, cleanup } = await listIn({ 'a.deny': `!/ipfs/${a}\n/ipfs/${a}\n` })
  t.teardown(cleanup)
  t.true(await list.isBlocked(a))
})

test('double-hashed rules, modern and legacy, block CIDs and paths', async t => {
  const mh = base58btc.baseEncode(dirV1.multihash.bytes)
  const modernCid = base58btc.baseEncode(Buffer.concat([Buffer.from([0x12, 0x20]), sha256(mh)]))
  const modernPath = base58btc.baseEncode(Buffer.concat([Buffer.from([0x12, 0x20]), sha256(`${mh}/hello.txt`)]))
  const legacyCid = sha256(`${a.toV1().toString()}/`).toString('hex')
  const { list, cleanup } = await listIn({ 'a.deny': `//${modernPath}\n//${legacyCid}\n` })
  t.teardown(cleanup)
  t.true(await list.isBlocked(dirV1, ['hello.txt']))
  t.true(await list.isBlocked(dirV0, ['hello.txt']))
  t.false(await list.isBlocked(dirV1, ['ascii.txt']))
  t.false(await list.isBlocked(dirV1))
  t.true(await list.isBlocked(a))
  const { list: byCid, cleanup: c2 } = await listIn({ 'b.deny': `//${modernCid}\n` })
  t.teardown(c2)
  t.true(await byCid.isBlocked(dirV1))
  t.true(await byCid.isBlocked(dirV1, ['anything']))
})

test('the gateway_status hint (header or line) sets the status; 410 otherwise', async t => {
  const { list, cleanup } = await listIn({
    'a.deny': `version: 1\nname: test\nhints:\n  gateway_status: 451\n---\n/ipfs/${a}\n/ipfs/${dirV1}/x gateway_status:410\n`,
    'b.deny': `/ipfs/${dirV1}/y\n`
  })
  t.teardown(cleanup)
  t.is((await list.check(a))?.status, 451)
  t.is((await list.check(dirV1, ['x']))?.status, 410)
  t.is((await list.check(dirV1, ['y']))?.status, 410)
  t.is((await list.check(dirV1, ['y']))?.file, 'b.deny')
})

test('later files override earlier ones (alphabetical order)', async t => {
  const { list, cleanup } = await listIn({ '10-block.deny': `/ipfs/${a}\n`, '20-allow.deny': `!/ipfs/${a}\n` })
  t.teardown(cleanup)
  t.false(await list.isBlocked(a))
})

test('bad lines are reported and skipped; the rest applies; other files and versions are ignored', async t => {
  const parsed = parseDenylist(`/ipfs/notacid\n/what/ever\n//zzzz\n/ipfs/${a}\n/ipns/example.com\n`)
  t.is(parsed.rules.length, 1)
  t.deepEqual(parsed.errors.map(e => e.line), [1, 2, 3])
  t.is(parseDenylist(`version: 2\n---\n/ipfs/${a}\n`).rules.length, 0)
  const { list, cleanup } = await listIn({ 'notes.txt': `/ipfs/${a}\n`, 'v2.deny': `version: 2\n---\n/ipfs/${a}\n` })
  t.teardown(cleanup)
  t.false(await list.isBlocked(a))
})

test('lists are re-read when a file changes, appears or goes', async t => {
  const { list, dir, cleanup } = await listIn({ 'a.deny': '# empty\n' })
  t.teardown(cleanup)
  t.false(await list.isBlocked(a))
  await appendFile(join(dir, 'a.deny'), `/ipfs/${a}\n`)
  // make sure the mtime moves even on coarse clocks
  const later = new Date(Date.now() + 5000)
  await utimes(join(dir, 'a.deny'), later, later)
  t.true(await list.isBlocked(a))
  await writeFile(join(dir, 'b.deny'), `/ipfs/${dirV1}\n`)
  t.true(await list.isBlocked(dirV1))
  await rm(join(dir, 'b.deny'))
  t.false(await list.isBlocked(dirV1))
})

test('a missing denylists folder blocks nothing', async t => {
  const list = new Denylist('/nonexistent/cairn/denylists', { recheckMs: 0 })
  t.false(await list.isBlocked(a))
})

test('assertAllowed throws ERR_BLOCKED with the status the list asks for', async t => {
  const { list, cleanup } = await listIn({ 'a.deny': `/ipfs/${a} gateway_status:451\n` })
  t.teardown(cleanup)
  const err = await t.throwsAsync(list.assertAllowed(a))
  t.is((err as { code?: string }).code, 'ERR_BLOCKED')
  t.is((err as { status?: number }).status, 451)
  await t.notThrowsAsync(list.assertAllowed(dirV1))
})
