import test from 'ava'
import { UnixFS } from 'ipfs-unixfs'
import * as dagPb from '@ipld/dag-pb'
import { importFixture } from '../helpers/fixtures.js'
import { httpGet, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import type { CID } from 'multiformats/cid'

let gw: TestGateway
let dir: CID
let site: CID

async function addTree (files: Array<{ path: string, content: string }>): Promise<CID> {
  let last: CID | undefined
  const enc = new TextEncoder()
  for await (const entry of gw.node.fs.addAll(files.map(f => ({ path: f.path, content: enc.encode(f.content) })))) {
    last = entry.cid
  }
  if (last == null) throw new Error('nothing added')
  return last
}

test.before(async () => {
  gw = await startTestGateway()
  dir = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-files.car')
  site = await addTree([
    { path: 'site/index.html', content: '<!doctype html><title>home</title><p>welcome</p>' },
    { path: 'site/about.txt', content: 'about us' }
  ])
})

test.after.always(async () => {
  await gw?.cleanup()
})

test('a directory without a trailing slash redirects (301) to one, keeping the query', async t => {
  const r = await httpGet(gw.url, `/ipfs/${dir}?foo=bar&x=1`)
  t.is(r.status, 301)
  t.is(r.headers.location, `/ipfs/${dir}/?foo=bar&x=1`)
  const listing = await importFixture(gw.node, 'dir_listing/fixtures.car')
  const sub = await httpGet(gw.url, `/ipfs/${listing}/%C4%85/%C4%99`)
  t.is(sub.status, 301)
  t.is(sub.headers.location, `/ipfs/${listing}/%C4%85/%C4%99/`)
})

test('a directory with index.html serves it', async t => {
  const r = await httpGet(gw.url, `/ipfs/${site}/`)
  t.is(r.status, 200)
  t.is(r.headers['content-type'], 'text/html; charset=utf-8')
  t.regex(r.text, /welcome/)
  t.regex(String(r.headers['x-ipfs-roots']), new RegExp(`^${site.toString()},`))
})

test('a directory without index.html gets an HTML listing with name, size, CID and link', async t => {
  const r = await httpGet(gw.url, `/ipfs/${dir}/`)
  t.is(r.status, 200)
  t.is(r.headers['content-type'], 'text/html; charset=utf-8')
  t.is(r.headers.etag, `"DirIndex-cairn-1_CID-${dir}"`)
  t.is(r.headers['x-ipfs-path'], `/ipfs/${dir}/`.replace(/\/$/, ''))
  for (const [name, cid] of [
    ['ascii.txt', 'bafkreifkam6ns4aoolg3wedr4uzrs3kvq66p4pecirz6y2vlrngla62mxm'],
    ['hello.txt', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'],
    ['multiblock.txt', 'bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa']
  ]) {
    t.true(r.text.includes(`<a href="./${name}">${name}</a>`), name)
    t.true(r.text.includes(cid as string), name)
  }
  t.true(r.text.includes('title="12 bytes">12 B'))
  // the root of a CID has no parent link
  t.false(r.text.includes('href="../"'))
})

test('a subdirectory listing links to its parent and escapes unicode names', async t => {
  const listing = await importFixture(gw.node, 'dir_listing/fixtures.car')
  const r = await httpGet(gw.url, `/ipfs/${listing}/%C4%85/%C4%99/`)
  t.is(r.status, 200)
  t.true(r.text.includes('<a href="../">..</a>'))
  t.true(r.text.includes('<a href="./file-%C5%BA%C5%82.txt">file-źł.txt</a>'))
  const file = await httpGet(gw.url, `/ipfs/${listing}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt`)
  t.is(file.status, 200)
  t.is(file.headers.etag, '"bafkreialihlqnf5uwo4byh4n3cmwlntwqzxxs2fg5vanqdi3d7tb2l5xkm"')
})

test('names with markup are escaped in the listing', async t => {
  const tricky = await addTree([{ path: 'd/<b>"x"&y.txt', content: 'x' }, { path: 'd/plain.txt', content: 'p' }])
  const r = await httpGet(gw.url, `/ipfs/${tricky}/`)
  t.is(r.status, 200)
  t.false(r.text.includes('<b>"x"'))
  t.true(r.text.includes('&#60;b&#62;&#34;x&#34;&#38;y.txt'))
})

test('a listing answers If-None-Match with 304 and HEAD without a body', async t => {
  const etag = `"DirIndex-cairn-1_CID-${dir}"`
  const r = await httpGet(gw.url, `/ipfs/${dir}/`, { headers: { 'If-None-Match': etag } })
  t.is(r.status, 304)
  const head = await httpGet(gw.url, `/ipfs/${dir}/`, { method: 'HEAD' })
  t.is(head.status, 200)
  t.is(head.body.length, 0)
  t.is(head.headers['content-type'], 'text/html; charset=utf-8')
})

test('a 10,000-entry HAMT directory lists without loading its entries', async t => {
  const files = Array.from({ length: 10_000 }, (_, i) => ({ path: `big/file-${String(i).padStart(5, '0')}.txt`, content: `entry ${i}\n` }))
  const big = await addTree(files)
  const rootBlock: Uint8Array[] = []
  for await (const piece of gw.node.repo.blockstore.get(big)) rootBlock.push(piece)
  const data = dagPb.decode(Buffer.concat(rootBlock)).Data
  t.is(UnixFS.unmarshal(data ?? new Uint8Array()).type, 'hamt-sharded-directory')
  // the listing needs the shard blocks only: remove one entry's block and it still lists
  const gone = await gw.node.fs.stat(big, { path: 'file-04242.txt' })
  await gw.node.repo.blockstore.delete(gone.cid)

  const started = Date.now()
  const r = await httpGet(gw.url, `/ipfs/${big}/`)
  t.is(r.status, 200)
  t.is(r.text.match(/<tr><td><a href="\.\/file-/g)?.length, 10_000)
  t.true(r.text.includes('file-04242.txt'))
  t.log(`10,000-entry HAMT listing: ${Date.now() - started} ms, ${r.body.length} bytes`)
  // and one entry resolves through the shards
  const one = await httpGet(gw.url, `/ipfs/${big}/file-09999.txt`)
  t.is(one.text, 'entry 9999\n')
})

test('default responses say Vary: Accept: file, Range, 304, listing, index.html and the slash redirect', async t => {
  const file = `/ipfs/${dir}/hello.txt`
  const answers = {
    file: await httpGet(gw.url, file),
    range: await httpGet(gw.url, file, { headers: { Range: 'bytes=0-1' } }),
    notModified: await httpGet(gw.url, file, { headers: { 'If-None-Match': '"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"' } }),
    listing: await httpGet(gw.url, `/ipfs/${dir}/`),
    index: await httpGet(gw.url, `/ipfs/${site}/`),
    redirect: await httpGet(gw.url, `/ipfs/${dir}`),
    head: await httpGet(gw.url, file, { method: 'HEAD' })
  }
  t.deepEqual(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, [r.status, r.headers.vary]])), {
    file: [200, 'Accept'],
    range: [206, 'Accept'],
    notModified: [304, 'Accept'],
    listing: [200, 'Accept'],
    index: [200, 'Accept'],
    redirect: [301, 'Accept'],
    head: [200, 'Accept']
  })
})
