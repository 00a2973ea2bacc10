import test from 'ava'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { parseAccept } from '../../gateway/format.js'
import { blocksVerify, parseCar } from '../helpers/car.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { importFixture } from '../helpers/fixtures.js'

// one gateway for the whole file: every test only reads
let gw: TestGateway
let dir: CID
const file = 'bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa'
const leaves = [
  'bafkreie5noke3mb7hqxukzcy73nl23k6lxszxi5w3dtmuwz62wnvkpsscm',
  'bafkreih4ephajybraj6wnxsbwjwa77fukurtpl7oj7t7pfq545duhot7cq',
  'bafkreigu7buvm3cfunb35766dn7tmqyh2um62zcio63en2btvxuybgcpue',
  'bafkreicll3huefkc3qnrzeony7zcfo7cr3nbx64hnxrqzsixpceg332fhe',
  'bafkreifst3pqztuvj57lycamoi7z34b4emf7gawxs74nwrc2c7jncmpaqm'
]
const subdir = 'bafybeicnmple4ehlz3ostv2sbojz3zhh5q7tz5r2qkfdpqfilgggeen7xm'

test.before(async () => {
  gw = await startTestGateway()
  dir = await importFixture(gw.node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
})
test.after.always(async () => {
  await gw?.cleanup()
})

async function carOf (res: globalThis.Response): ReturnType<typeof parseCar> {
  return await parseCar(new Uint8Array(await res.arrayBuffer()))
}

test('?format=raw returns the block with the trustless headers', async t => {
  const res = await gw.get(`/ipfs/${file}?format=raw`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'application/vnd.ipld.raw')
  t.is(res.headers.get('x-content-type-options'), 'nosniff')
  t.is(res.headers.get('content-disposition'), `attachment; filename="${file}.bin"; filename*=UTF-8''${file}.bin`)
  t.is(res.headers.get('etag'), `"${file}.raw"`)
  t.is(res.headers.get('cache-control'), 'public, max-age=29030400, immutable')
  t.is(res.headers.get('content-location'), null)
  t.regex(res.headers.get('vary') ?? '', /Accept/)
  const body = new Uint8Array(await res.arrayBuffer())
  t.is(res.headers.get('content-length'), String(body.byteLength))
  const digest = await sha256.digest(body)
  t.true(Buffer.from(digest.digest).equals(CID.parse(file).multihash.digest))
})

test('Accept: application/vnd.ipld.raw gives the block and a Content-Location naming the format', async t => {
  const res = await gw.get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.raw' })
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'application/vnd.ipld.raw')
  t.is(res.headers.get('content-location'), `/ipfs/${file}?format=raw`)
  await res.arrayBuffer()
})

test('?format= takes precedence over Accept; the highest q-value of Accept wins', async t => {
  const viaQuery = await gw.get(`/ipfs/${file}?format=raw`, { Accept: 'application/vnd.ipld.car' })
  t.is(viaQuery.headers.get('content-type'), 'application/vnd.ipld.raw')
  t.is(viaQuery.headers.get('content-location'), null)
  await viaQuery.arrayBuffer()
  const weighted = await gw.get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.raw;q=0.5, application/vnd.ipld.car;q=0.9, text/html;q=0.8' })
  t.regex(weighted.headers.get('content-type') ?? '', /^application\/vnd\.ipld\.car; version=1/)
  await weighted.arrayBuffer()
  // an unsupported CAR variant is skipped for the next acceptable entry
  const variant = await gw.get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.car;order=foo, application/vnd.ipld.car;order=dfs;dups=y;q=0.5' })
  t.is(variant.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=y')
  await variant.arrayBuffer()
})

test('parseAccept reads media types, parameters and q-values; a bad q counts as 0', t => {
  t.deepEqual(parseAccept('application/vnd.ipld.car; version=1; order=dfs; dups=y, application/vnd.ipld.raw;q=0.5, text/html;q=abc'), [
    { mediaType: 'application/vnd.ipld.car', params: { version: '1', order: 'dfs', dups: 'y' }, q: 1 },
    { mediaType: 'application/vnd.ipld.raw', params: {}, q: 0.5 },
    { mediaType: 'text/html', params: {}, q: 0 }
  ])
  t.deepEqual(parseAccept(undefined), [])
  t.deepEqual(parseAccept(' , '), [])
})

test('an explicit type with a lower q than */* or text/html gets the default response; q=0 excludes a type', async t => {
  const preferAnything = await gw.get(`/ipfs/${leaves[0] ?? ''}`, { Accept: 'application/vnd.ipld.raw;q=0.1, */*' })
  t.is(preferAnything.status, 200)
  t.not(preferAnything.headers.get('content-type'), 'application/vnd.ipld.raw')
  await preferAnything.arrayBuffer()
  const excluded = await gw.get(`/ipfs/${leaves[0] ?? ''}`, { Accept: 'application/vnd.ipld.car;q=0, application/vnd.ipld.raw' })
  t.is(excluded.headers.get('content-type'), 'application/vnd.ipld.raw')
  await excluded.arrayBuffer()
})

test('If-None-Match with the raw Etag answers 304', async t => {
  const res = await gw.get(`/ipfs/${file}?format=raw`, { 'If-None-Match': `"${file}.raw"` })
  t.is(res.status, 304)
})

test('a Range on a raw block answers 206 with the slice', async t => {
  const full = new Uint8Array(await (await gw.get(`/ipfs/${file}?format=raw`)).arrayBuffer())
  const res = await gw.get(`/ipfs/${file}?format=raw`, { Range: 'bytes=2-9' })
  t.is(res.status, 206)
  t.is(res.headers.get('content-range'), `bytes 2-9/${full.byteLength}`)
  t.deepEqual(new Uint8Array(await res.arrayBuffer()), full.subarray(2, 10))
})

test('?format=car streams a CARv1 of the whole DAG with the versioned Content-Type', async t => {
  const res = await gw.get(`/ipfs/${dir.toString()}?format=car`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
  t.is(res.headers.get('x-content-type-options'), 'nosniff')
  t.is(res.headers.get('content-disposition'), `attachment; filename="${dir.toString()}.car"; filename*=UTF-8''${dir.toString()}.car`)
  t.is(res.headers.get('accept-ranges'), 'none')
  t.regex(res.headers.get('etag') ?? '', new RegExp(`^W/"${dir.toString()}\\.car\\.[0-9a-f]+"$`))
  const car = await carOf(res)
  t.deepEqual(car.roots, [dir.toString()])
  t.is(car.cids.length, 2 + 2 + 1 + 5)
  t.true(await blocksVerify(car))
})

test('CAR Etags differ by scope, byte range, order and dups', async t => {
  const variants = [
    '?format=car', '?format=car&dag-scope=entity', '?format=car&dag-scope=block',
    '?format=car&entity-bytes=0:10', '?format=car&car-dups=y', '?format=car&car-order=unk'
  ]
  const etags = new Set<string>()
  for (const q of variants) {
    const res = await gw.head(`/ipfs/${dir.toString()}${q}`)
    t.is(res.status, 200)
    etags.add(res.headers.get('etag') ?? '')
  }
  t.is(etags.size, variants.length)
  const etag = (await gw.head(`/ipfs/${dir.toString()}?format=car&dag-scope=entity`)).headers.get('etag') ?? ''
  t.is((await gw.get(`/ipfs/${dir.toString()}?format=car&dag-scope=entity`, { 'If-None-Match': etag })).status, 304)
})

test('CAR over a path: the path blocks, then the scope; entity-bytes picks only the leaves of the range', async t => {
  const block = await carOf(await gw.get(`/ipfs/${dir.toString()}/subdir/multiblock.txt?format=car&dag-scope=block`))
  t.deepEqual(block.cids, [dir.toString(), subdir, file])
  const range = await carOf(await gw.get(`/ipfs/${file}?format=car&entity-bytes=512:1023`))
  t.deepEqual(range.cids, [file, ...leaves.slice(2, 4)])
  const suffix = await carOf(await gw.get(`/ipfs/${file}?format=car&dag-scope=entity&entity-bytes=-5:*`))
  t.deepEqual(suffix.cids, [file, ...leaves.slice(3)])
  const named = await gw.head(`/ipfs/${dir.toString()}/subdir/multiblock.txt?format=car`)
  t.regex(named.headers.get('content-disposition') ?? '', new RegExp(`filename="${dir.toString()}_multiblock\\.txt\\.car"`))
})

test('car-dups, car-order and car-version as query parameters override Accept and are echoed in Content-Type', async t => {
  const res = await gw.get(`/ipfs/${dir.toString()}?format=car&car-dups=y&car-order=unk`, { Accept: 'application/vnd.ipld.car; dups=n; order=dfs' })
  t.is(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=unk; dups=y')
  await res.arrayBuffer()
  const accept = await gw.get(`/ipfs/${dir.toString()}`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
  t.is(accept.headers.get('content-location'), `/ipfs/${dir.toString()}?format=car&car-version=1&car-order=dfs&car-dups=y`)
  await accept.arrayBuffer()
})

test('bad CAR parameters and unknown formats are 400; formats the gateway cannot give are 406', async t => {
  for (const q of ['dag-scope=everything', 'entity-bytes=abc', 'entity-bytes=10:5', 'entity-bytes=1:2:3', 'car-version=2', 'car-order=bfs', 'car-dups=maybe']) {
    const res = await gw.get(`/ipfs/${dir.toString()}?format=car&${q}`)
    t.is(res.status, 400, q)
    t.regex(res.headers.get('content-type') ?? '', /^text\/plain/)
    t.notRegex(await res.text(), /at .*\(.*:\d+:\d+\)/)
  }
  t.is((await gw.get(`/ipfs/${dir.toString()}?format=zip`)).status, 400)
  t.is((await gw.get(`/ipfs/${dir.toString()}?format=tar`)).status, 406)
  t.is((await gw.get(`/ipfs/${dir.toString()}`, { Accept: 'application/vnd.ipld.car; version=2' })).status, 406)
  t.is((await gw.get(`/ipfs/${dir.toString()}`, { Accept: 'application/x-tar' })).status, 406)
  // a browser's generic Accept is the default response, not a 406
  t.is((await gw.get(`/ipfs/${file}`, { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })).status, 200)
})

test('GET and HEAD /ipfs/bafkqaaa probe: 200 empty raw block, CAR with the root in its header and no blocks', async t => {
  const rawRes = await gw.get('/ipfs/bafkqaaa?format=raw')
  t.is(rawRes.status, 200)
  t.is((await rawRes.arrayBuffer()).byteLength, 0)
  t.is((await gw.head('/ipfs/bafkqaaa', { Accept: 'application/vnd.ipld.raw' })).status, 200)
  const carRes = await gw.get('/ipfs/bafkqaaa?format=car')
  t.is(carRes.status, 200)
  const car = await carOf(carRes)
  t.deepEqual(car.roots, ['bafkqaaa'])
  t.deepEqual(car.cids, [])
  t.is((await gw.head('/ipfs/bafkqaaa?format=car')).status, 200)
  // and without a format: the empty file
  const plain = await gw.get('/ipfs/bafkqaaa')
  t.is(plain.status, 200)
  t.is((await plain.arrayBuffer()).byteLength, 0)
})

test('missing content: 404 for a path not in the DAG and for a root block this (offline, non-recursive) gateway does not hold', async t => {
  const missingPath = await gw.get(`/ipfs/${dir.toString()}/subdir/i-do-not-exist?format=car`)
  t.is(missingPath.status, 404)
  const absent = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('not here')))
  for (const format of ['raw', 'car', 'dag-json']) {
    const res = await gw.get(`/ipfs/${absent.toString()}?format=${format}`)
    t.is(res.status, 404, format)
    t.regex(await res.text(), /^404 .*not held by this gateway/)
  }
  t.is((await gw.head(`/ipfs/${absent.toString()}?format=raw`)).status, 404)
  t.is((await gw.get('/ipfs/not-a-cid?format=raw')).status, 400)
})

test('a path through a raw block is a 404 for raw and CAR', async t => {
  t.is((await gw.get(`/ipfs/${leaves[0]}/foo?format=raw`)).status, 404)
  t.is((await gw.get(`/ipfs/${leaves[0]}/foo?format=car`)).status, 404)
})

test('HEAD of a CAR sends the headers and no body', async t => {
  const res = await gw.head(`/ipfs/${dir.toString()}?format=car`)
  t.is(res.status, 200)
  t.regex(res.headers.get('content-type') ?? '', /application\/vnd\.ipld\.car/)
  t.is((await res.arrayBuffer()).byteLength, 0)
})
