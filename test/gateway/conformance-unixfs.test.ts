// UnixFS fixtures of the IPFS gateway-conformance suite served by the path gateway
// (tests/path_gateway_unixfs_test.go, t0113_gateway_symlink_test.go, the HAMT and
// missing-block fixtures of trustless_gateway_car/), against a real gateway.
import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { openFixture, type FixtureDag } from '../helpers/fixture-dag.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { importFixtures } from '../helpers/fixtures.js'

let gw: TestGateway
let percent: FixtureDag
let symlink: FixtureDag
let hamt: FixtureDag
let missing: FixtureDag
let withFiles: FixtureDag

test.before(async () => {
  gw = await startTestGateway()
  const names = [
    'path_gateway_unixfs/dir-with-percent-encoded-filename.car',
    'path_gateway_unixfs/symlink.car',
    'path_gateway_unixfs/dir-with-files.car',
    'trustless_gateway_car/single-layer-hamt-with-multi-block-files.car',
    'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car'
  ]
  await importFixtures(gw.node, names)
  ;[percent, symlink, withFiles, hamt, missing] = await Promise.all(names.map(async n => await openFixture(n))) as [FixtureDag, FixtureDag, FixtureDag, FixtureDag, FixtureDag]
})
test.after.always(async () => { await gw?.cleanup() })

test('GET a file whose name holds percent-encoded characters, with %25 in the URL', async t => {
  const name = 'Portugal%2C+España=Peninsula Ibérica.txt'
  const res = await gw.get(`/ipfs/${percent.root.toString()}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)
  t.is(res.status, 200)
  t.deepEqual(new Uint8Array(await res.arrayBuffer()), percent.bytes(percent.cid(name)))
  // the literal %2C (not decoded twice) is a different name: not in the DAG
  t.is((await gw.get(`/ipfs/${percent.root.toString()}/Portugal%2C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)).status, 404)
})

test('the symlink is served as its target path, the directory lists it, and ?format=raw gives the directory block', async t => {
  const link = await gw.get(`/ipfs/${symlink.root.toString()}/bar`)
  t.is(link.status, 200)
  t.is(await link.text(), 'foo')
  const listing = await (await gw.get(`/ipfs/${symlink.root.toString()}/`)).text()
  t.true(listing.includes('>foo<') && listing.includes('>bar<'))
  const rawDir = await gw.get(`/ipfs/${symlink.root.toString()}?format=raw`)
  t.deepEqual(new Uint8Array(await rawDir.arrayBuffer()), symlink.bytes(symlink.root))
})

test('a file in the HAMT-sharded directory is served, and the sharded listing names its entries', async t => {
  const file = await gw.get(`/ipfs/${hamt.root.toString()}/685.txt`)
  t.is(file.status, 200)
  t.is((await file.arrayBuffer()).byteLength, 1026)
  const listing = await gw.get(`/ipfs/${hamt.root.toString()}/`)
  t.is(listing.status, 200)
  const html = await listing.text()
  t.true(html.includes('685.txt') && html.includes('1.txt'))
})

// A range sniffs its type only from the bytes it sends (or the name), so it never reaches
// the missing block for sniffing.
test('the file with a missing block: ranges before and after the gap succeed', async t => {
  const before = await gw.get(`/ipfs/${missing.root.toString()}`, { Range: 'bytes=997-1000' })
  t.is(before.status, 206)
  t.is(before.headers.get('content-range'), 'bytes 997-1000/3072')
  t.is((await before.arrayBuffer()).byteLength, 4)
  const after = await gw.get(`/ipfs/${missing.root.toString()}`, { Range: 'bytes=2200-2201' })
  t.is(after.status, 206)
  t.is(after.headers.get('content-range'), 'bytes 2200-2201/3072')
  t.is((await after.arrayBuffer()).byteLength, 2)
  // a range from the start sniffs from its own bytes only, which lie before the gap
  const start = await gw.get(`/ipfs/${missing.root.toString()}`, { Range: 'bytes=0-99' })
  t.is(start.status, 206)
  t.is(start.headers.get('content-range'), 'bytes 0-99/3072')
  const firstLeaf = missing.descendants()[0] ?? ''
  const leafData = UnixFS.unmarshal(dagPb.decode(missing.bytes(firstLeaf)).Data ?? new Uint8Array(0)).data ?? new Uint8Array(0)
  t.deepEqual(new Uint8Array(await start.arrayBuffer()), leafData.subarray(0, 100))
})

test('the file with a missing block: the full path gateway response fails cleanly (error status or cut body)', async t => {
  const res = await gw.get(`/ipfs/${missing.root.toString()}`)
  if (res.status === 200) {
    // headers went out before the gap was reached: the body must not look complete
    await t.throwsAsync(async () => await res.arrayBuffer())
  } else {
    t.true(res.status >= 500)
    const text = await res.text()
    t.notRegex(text, /\n\s+at /)
  }
  // the gateway keeps serving afterwards
  t.is((await gw.get(`/ipfs/${withFiles.cid('hello.txt')}`)).status, 200)
})

test('every block of the UnixFS fixtures is served as ?format=raw with the bytes of the fixture', async t => {
  for (const fixture of [percent, symlink, withFiles]) {
    for (const cid of [fixture.root.toString(), ...fixture.descendants()]) {
      const res = await gw.get(`/ipfs/${cid}?format=raw`)
      t.is(res.status, 200, cid)
      t.deepEqual(new Uint8Array(await res.arrayBuffer()), fixture.bytes(cid))
    }
  }
})
