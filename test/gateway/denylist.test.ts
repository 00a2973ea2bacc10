import test from 'ava'
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { importFixture } from '../helpers/fixtures.js'
import { httpGet, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import type { CID } from 'multiformats/cid'

let gw: TestGateway
let dir: CID
let other: CID
const ascii = 'bafkreifkam6ns4aoolg3wedr4uzrs3kvq66p4pecirz6y2vlrngla62mxm'

test.before(async () => {
  gw = await startTestGateway()
  dir = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-files.car')
  other = await importFixture(gw.node, 'dir_listing/fixtures.car')
  await mkdir(join(gw.repo, 'denylists'), { recursive: true })
  await writeFile(join(gw.repo, 'denylists', 'a.deny'), [
    `/ipfs/${ascii}`,
    `/ipfs/${dir}/multiblock.txt`,
    `/ipfs/${other}/api/*`
  ].join('\n') + '\n')
  await writeFile(join(gw.repo, 'denylists', 'b.deny'), `hints:\n  gateway_status: 451\n---\n/ipfs/${other}/ipns/file.txt\n`)
})

test.after.always(async () => {
  await gw?.cleanup()
})

test('a blocked CID answers 410 Gone, directly and through a directory', async t => {
  const direct = await httpGet(gw.url, `/ipfs/${ascii}`)
  t.is(direct.status, 410)
  t.regex(direct.text, /^410 .*blocked/)
  const viaDir = await httpGet(gw.url, `/ipfs/${dir}/ascii.txt`)
  t.is(viaDir.status, 410)
  const copy = await httpGet(gw.url, `/ipfs/${dir}/ascii-copy.txt`)
  t.is(copy.status, 410)
})

test('a blocked path under a CID answers 410 while its siblings are served', async t => {
  t.is((await httpGet(gw.url, `/ipfs/${dir}/multiblock.txt`)).status, 410)
  t.is((await httpGet(gw.url, `/ipfs/${dir}/hello.txt`)).status, 200)
  t.is((await httpGet(gw.url, `/ipfs/${other}/api/file.txt`)).status, 410)
  t.is((await httpGet(gw.url, `/ipfs/${other}/api/`)).status, 410)
  t.is((await httpGet(gw.url, `/ipfs/${other}/ipfs/file.txt`)).status, 200)
})

test('a list whose hints say 451 answers 451', async t => {
  const r = await httpGet(gw.url, `/ipfs/${other}/ipns/file.txt`)
  t.is(r.status, 451)
})

test('blocked content is refused in every format and on the subdomain gateway', async t => {
  t.is((await httpGet(gw.url, `/ipfs/${ascii}?format=raw`)).status, 410)
  t.is((await httpGet(gw.url, `/ipfs/${ascii}?format=car`)).status, 410)
  const port = new URL(gw.url).port
  t.is((await httpGet(gw.url, '/', { headers: { Host: `${ascii}.ipfs.localhost:${port}` } })).status, 410)
  t.is((await httpGet(gw.url, `/ipfs/${ascii}`, { method: 'HEAD' })).status, 410)
})

test('a rule appended to a list takes effect without a restart', async t => {
  const fresh = await gw.node.fs.addBytes(new TextEncoder().encode('soon to be blocked'))
  t.is((await httpGet(gw.url, `/ipfs/${fresh}`)).status, 200)
  await appendFile(join(gw.repo, 'denylists', 'c.deny'), `/ipfs/${fresh}\n`)
  // lists are re-checked at most once a second
  let status = 0
  for (let i = 0; i < 30 && status !== 410; i++) {
    await sleep(200)
    status = (await httpGet(gw.url, `/ipfs/${fresh}`)).status
  }
  t.is(status, 410)
})
