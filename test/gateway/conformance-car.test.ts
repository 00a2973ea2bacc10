// Ported from the IPFS gateway-conformance suite (github.com/ipfs/gateway-conformance,
// tests/trustless_gateway_car_test.go and trustless_gateway_raw_test.go): the same
// fixtures, requests and expected blocks, against a real gateway on a loopback port.
import test from 'ava'
import { parseCar } from '../helpers/car.js'
import { openFixture, type FixtureDag } from '../helpers/fixture-dag.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { importFixtures } from '../helpers/fixtures.js'
import { multiblockLeaves } from '../fixtures/conformance-cids.js'

let gw: TestGateway
const fx: Record<string, FixtureDag> = {}
const names = {
  twoFiles: 'trustless_gateway_car/subdir-with-two-single-block-files.car',
  hamt: 'trustless_gateway_car/single-layer-hamt-with-multi-block-files.car',
  cborLinks: 'trustless_gateway_car/dir-with-dag-cbor-with-links.car',
  mixed: 'trustless_gateway_car/subdir-with-mixed-block-files.car',
  missing: 'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car',
  dups: 'trustless_gateway_car/dir-with-duplicate-files.car',
  rawBlock: 'gateway-raw-block.car'
}

test.before(async () => {
  gw = await startTestGateway()
  await importFixtures(gw.node, Object.values(names))
  for (const [key, name] of Object.entries(names)) fx[key] = await openFixture(name)
})
test.after.always(async () => { await gw?.cleanup() })

function f (key: keyof typeof names): FixtureDag {
  const fixture = fx[key]
  if (fixture == null) throw new Error(`fixture ${key} not loaded`)
  return fixture
}

/** GET a CAR and return its block CIDs in order (asserting a 200 CAR response). */
async function carBlocks (path: string, headers?: Record<string, string>): Promise<string[]> {
  const res = await gw.get(path, headers)
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await parseCar(new Uint8Array(await res.arrayBuffer()))).cids
}

// TestTrustlessCarPathing

test('GET default CAR response with pathing through UnixFS Directory', async t => {
  const d = f('twoFiles')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/ascii.txt?format=car`), [d.cid(), d.cid('subdir'), d.cid('subdir', 'ascii.txt')])
})

test('GET default CAR response of UnixFS file on a path with HAMT-sharded directory', async t => {
  const d = f('hamt')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/685.txt?format=car`),
    [d.cid(), ...d.hamtTraversal('685.txt'), d.cid('685.txt'), ...d.descendants('685.txt')])
  t.true(d.hamtTraversal('685.txt').length > 0)
})

test('GET default CAR response of UnixFS file on a path with DAG-CBOR as root CID', async t => {
  const document = f('cborLinks').cid('document')
  t.deepEqual(await carBlocks(`/ipfs/${document}/files/single?format=car`),
    [document, 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'])
})

test('GET default CAR response for non-existing file is a 404', async t => {
  const res = await gw.get(`/ipfs/${f('twoFiles').root.toString()}/subdir/i-do-not-exist?format=car`)
  t.is(res.status, 404)
})

// TestTrustlessCarDagScopeBlock

test('GET CAR with dag-scope=block of UnixFS directory on a path', async t => {
  const d = f('twoFiles')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir?format=car&dag-scope=block`), [d.cid(), d.cid('subdir')])
})

test('GET CAR with dag-scope=block of UnixFS file on a path', async t => {
  const d = f('twoFiles')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/ascii.txt?format=car&dag-scope=block`), [d.cid(), d.cid('subdir'), d.cid('subdir', 'ascii.txt')])
})

test('GET CAR with dag-scope=block of UnixFS file on a path with sharded directory', async t => {
  const d = f('hamt')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/1.txt?format=car&dag-scope=block`), [d.cid(), ...d.hamtTraversal('1.txt'), d.cid('1.txt')])
})

// TestTrustlessCarDagScopeEntity

test('GET CAR with dag-scope=entity of a UnixFS directory', async t => {
  const d = f('twoFiles')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}?format=car&dag-scope=entity`), [d.cid()])
})

test('GET CAR with dag-scope=entity of a UnixFS sharded directory', async t => {
  const d = f('hamt')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}?format=car&dag-scope=entity`), [d.cid(), ...d.hamtShards()])
})

test('GET CAR with dag-scope=entity of a UnixFS file', async t => {
  const d = f('mixed')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/ascii.txt?format=car&dag-scope=entity`), [d.cid(), d.cid('subdir'), d.cid('subdir', 'ascii.txt')])
})

test('GET CAR with dag-scope=entity of a chunked UnixFS file', async t => {
  const d = f('mixed')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/multiblock.txt?format=car&dag-scope=entity`),
    [d.cid(), d.cid('subdir'), d.cid('subdir', 'multiblock.txt'), ...d.descendants('subdir', 'multiblock.txt')])
})

test('GET CAR with dag-scope=entity of DAG-CBOR with Links', async t => {
  const d = f('cborLinks')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/document?format=car&dag-scope=entity`), [d.cid(), d.cid('document')])
})

// TestTrustlessCarDagScopeAll

test('GET CAR with dag-scope=all of UnixFS directory with multiple files', async t => {
  const d = f('mixed')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir?format=car&dag-scope=all`), [d.cid(), d.cid('subdir'), ...d.descendants('subdir')])
})

test('GET CAR with dag-scope=all of a chunked UnixFS file', async t => {
  const d = f('mixed')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/multiblock.txt?format=car&dag-scope=all`),
    [d.cid(), d.cid('subdir'), d.cid('subdir', 'multiblock.txt'), ...d.descendants('subdir', 'multiblock.txt')])
})

// TestTrustlessCarEntityBytes

test('GET CAR with entity-bytes succeeds even if the gateway is missing a block after the requested range', async t => {
  const d = f('missing')
  const blocks = await carBlocks(`/ipfs/${d.root.toString()}?format=car&dag-scope=entity&entity-bytes=0:1000`)
  t.deepEqual([...blocks].sort(), [d.cid(), 'QmPKt7ptM2ZYSGPUc8PmPT2VBkLDK3iqpG9TBJY7PCE9rF'].sort())
})

test('GET CAR with entity-bytes succeeds even if the gateway is missing a block before the requested range', async t => {
  const d = f('missing')
  const blocks = await carBlocks(`/ipfs/${d.root.toString()}?format=car&dag-scope=entity&entity-bytes=2200:*`)
  t.deepEqual([...blocks].sort(), [d.cid(), 'QmWXY482zQdwecnfBsj78poUUuPXvyw2JAFAEMw4tzTavV'].sort())
})

test('GET CAR of a file with a missing block: 200, then the stream ends before a complete CAR', async t => {
  const d = f('missing')
  const res = await gw.get(`/ipfs/${d.root.toString()}?format=car`)
  t.is(res.status, 200)
  // the connection is cut mid-body: reading it fails, so no client mistakes it for a whole CAR
  await t.throwsAsync(async () => await res.arrayBuffer())
})

test('GET CAR with entity-bytes of a full UnixFS file', async t => {
  const d = f('mixed')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}/subdir/multiblock.txt?format=car&dag-scope=entity&entity-bytes=0:*`),
    [d.cid(), d.cid('subdir'), d.cid('subdir', 'multiblock.txt'), ...d.descendants('subdir', 'multiblock.txt')])
})

test('GET CAR with entity-bytes of a UnixFS directory', async t => {
  const d = f('hamt')
  t.deepEqual(await carBlocks(`/ipfs/${d.root.toString()}?format=car&dag-scope=entity&entity-bytes=0:*`), [d.cid(), ...d.hamtShards()])
})

for (const [range, leaves, title] of [
  ['512:*', multiblockLeaves.slice(2), 'from the middle of a file to the end'],
  ['512:1023', multiblockLeaves.slice(2, 4), 'for the middle of a file'],
  ['512:-256', multiblockLeaves.slice(2, 4), 'for the middle of a file (negative ending)'],
  ['-5:*', multiblockLeaves.slice(3), 'for a suffix of a file'],
  ['-9999:*', multiblockLeaves, 'with a negative start bigger than the file'],
  ['-9999:-3', multiblockLeaves.slice(0, 4), 'from before the start to 3 bytes from the end'],
  ['0:0', multiblockLeaves.slice(0, 1), 'for the first byte of a file']
] as const) {
  test(`GET CAR with entity-bytes=${range}: only the blocks ${title}`, async t => {
    const file = f('mixed').cid('subdir', 'multiblock.txt')
    t.deepEqual(await carBlocks(`/ipfs/${file}?format=car&dag-scope=entity&entity-bytes=${range}`), [file, ...leaves])
  })
}

// TestTrustlessCarOrderAndDuplicates

test('GET CAR with order=dfs and dups=y of UnixFS Directory With Duplicate Files', async t => {
  const d = f('dups')
  const res = await gw.get(`/ipfs/${d.root.toString()}`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
  const type = res.headers.get('content-type') ?? ''
  t.true(type.includes('application/vnd.ipld.car') && type.includes('order=dfs') && type.includes('dups=y'))
  const blocks = (await parseCar(new Uint8Array(await res.arrayBuffer()))).cids
  t.deepEqual(blocks, [d.cid(), d.cid('ascii-copy.txt'), d.cid('ascii.txt'), d.cid('hello.txt'), d.cid('multiblock.txt'), ...multiblockLeaves])
})

test('GET CAR with order=dfs and dups=n of UnixFS Directory With Duplicate Files', async t => {
  const d = f('dups')
  const res = await gw.get(`/ipfs/${d.root.toString()}`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' })
  const type = res.headers.get('content-type') ?? ''
  t.true(type.includes('order=dfs') && type.includes('dups=n'))
  const blocks = (await parseCar(new Uint8Array(await res.arrayBuffer()))).cids
  t.deepEqual(blocks, [d.cid(), d.cid('ascii.txt'), d.cid('hello.txt'), d.cid('multiblock.txt'), ...multiblockLeaves])
})

test('GET CAR smoke-test with order=unk of UnixFS Directory', async t => {
  const d = f('dups')
  const res = await gw.get(`/ipfs/${d.root.toString()}`, { Accept: 'application/vnd.ipld.car; version=1; order=unk' })
  t.regex(res.headers.get('content-type') ?? '', /order=/)
  const blocks = new Set((await parseCar(new Uint8Array(await res.arrayBuffer()))).cids)
  for (const cid of [d.cid(), d.cid('ascii.txt'), d.cid('hello.txt'), d.cid('multiblock.txt'), ...multiblockLeaves]) t.true(blocks.has(cid))
})

test('GET CAR with order=dfs and dups=y of identity CID: no block in the body', async t => {
  const res = await gw.get('/ipfs/bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa', { Accept: 'application/vnd.ipld.car; dups=y' })
  t.is(res.status, 200)
  t.regex(res.headers.get('content-type') ?? '', /dups=y/)
  t.deepEqual((await parseCar(new Uint8Array(await res.arrayBuffer()))).cids, [])
})

test('GET CAR with Accept and ?format, specific Accept header is prioritized', async t => {
  const d = f('dups')
  const res = await gw.get(`/ipfs/${d.root.toString()}?format=car`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
  t.regex(res.headers.get('content-type') ?? '', /dups=y/)
  const blocks = (await parseCar(new Uint8Array(await res.arrayBuffer()))).cids
  t.is(blocks.filter(c => c === d.cid('ascii.txt')).length, 2)
})

// TestTrustlessRaw (gateway-raw-block.car)

test('GET with format=raw param, and with Accept: application/vnd.ipld.raw, returns a raw block', async t => {
  const d = f('rawBlock')
  const dir = d.cid('dir')
  for (const res of [await gw.get(`/ipfs/${dir}?format=raw`), await gw.get(`/ipfs/${dir}`, { Accept: 'application/vnd.ipld.raw' })]) {
    t.is(res.status, 200)
    t.deepEqual(new Uint8Array(await res.arrayBuffer()), d.bytes(dir))
  }
})

test('GET with application/vnd.ipld.raw header returns expected response and caching headers', async t => {
  const d = f('rawBlock')
  const file = d.cid('dir', 'ascii.txt')
  const res = await gw.get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.raw' })
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'application/vnd.ipld.raw')
  t.is(res.headers.get('content-length'), String(d.bytes(file).byteLength))
  t.regex(res.headers.get('content-disposition') ?? '', /attachment;\s*filename=".*\.bin"/)
  t.is(res.headers.get('x-content-type-options'), 'nosniff')
  t.truthy(res.headers.get('etag'))
  t.is(res.headers.get('x-ipfs-path'), `/ipfs/${file}`)
  t.true((res.headers.get('x-ipfs-roots') ?? '').includes(file))
  const directives = (res.headers.get('cache-control') ?? '').split(',').map(s => s.trim())
  t.true(directives.includes('public') && directives.includes('immutable'))
  t.true(Number(directives.find(s => s.startsWith('max-age='))?.slice(8)) >= 29030400)
  t.deepEqual(new Uint8Array(await res.arrayBuffer()), d.bytes(file))
})

test('GET with application/vnd.ipld.raw header and filename param returns the custom filename', async t => {
  const file = f('rawBlock').cid('dir', 'ascii.txt')
  const res = await gw.get(`/ipfs/${file}?filename=foobar.bin`, { Accept: 'application/vnd.ipld.raw' })
  t.regex(res.headers.get('content-disposition') ?? '', /attachment;\s*filename="foobar\.bin/)
  await res.arrayBuffer()
})
