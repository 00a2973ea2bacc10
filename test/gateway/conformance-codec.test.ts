// Ported from the IPFS gateway-conformance suite (tests/path_gateway_dag_test.go):
// dag-json, dag-cbor, json and cbor responses, conversions and pathing, against a real
// gateway on a loopback port.
import test from 'ava'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { importFixtures } from '../helpers/fixtures.js'
import { readBlock } from '../../node/blocks.js'

let gw: TestGateway
const jsonTraversal = 'baguqeeram5ujjqrwheyaty3w5gdsmoz6vittchvhk723jjqxk7hakxkd47xq'
const cborTraversal = 'bafyreibs4utpgbn7uqegmd2goqz4bkyflre2ek2iwv743fhvylwi4zeeim'
const plainJson = 'bagaaierajjsnhsxqlgfrvknlt7z2heoljcgfv37cn45tu7mhmr23x3ekiboq'
const plainCbor = 'bafireif3aymeikgfbofx533yf5vlx4kimzq6zmzmpra2mnzfsfnmv4hchm'
const jsonThatCanBeDag = 'bagaaieraonzu3mlwidrcjnpqd2ibmjiiycnfucdzotvjq5ajubwnkmlzomrq'
const cborThatCanBeDag = 'bafireidluuxmsc4uzpqkcq547wavvod7rrq2v7yixuvdy2qu3eqkbvycsu'
const jsonCborDir = 'bafybeiafyvqlazbbbtjnn6how5d6h6l6rxbqc4qgpbmteaiskjrffmyy4a'
const utf8File = 'bafkreialihlqnf5uwo4byh4n3cmwlntwqzxxs2fg5vanqdi3d7tb2l5xkm'
const tJson = 'bafkreibrppizs3g7axs2jdlnjua6vgpmltv7k72l7v7sa6mmht6mne3qqe'

test.before(async () => {
  gw = await startTestGateway()
  await importFixtures(gw.node, [
    'path_gateway_dag/dag-json-traversal.car', 'path_gateway_dag/dag-cbor-traversal.car',
    'path_gateway_dag/plain-json.car', 'path_gateway_dag/plain-cbor.car',
    'path_gateway_dag/plain-cbor-that-can-be-dag-json.car', 'path_gateway_dag/plain-cbor-that-can-be-dag-cbor.car',
    'path_gateway_dag/gateway-json-cbor.car'
  ])
})
test.after.always(async () => { await gw?.cleanup() })

async function block (cid: string): Promise<Uint8Array> {
  return new Uint8Array(await readBlock(gw.node, CID.parse(cid)))
}

async function bytesOf (res: globalThis.Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer())
}

// TestGatewayJsonCbor

test('GET UnixFS file with JSON bytes is returned with application/json Content-Type, with or without Accept', async t => {
  for (const headers of [{}, { Accept: 'application/json' }]) {
    const res = await gw.get(`/ipfs/${tJson}`, headers)
    t.is(res.status, 200)
    t.is(res.headers.get('content-type')?.split(';')[0], 'application/json')
    t.deepEqual(await bytesOf(res), await block(tJson))
  }
})

// TestDagPbConversion

for (const [name, format, disposition] of [['DAG-JSON', 'json', 'inline'], ['DAG-CBOR', 'cbor', 'attachment']] as const) {
  const encode = format === 'json' ? dagJson.encode : dagCbor.encode
  test(`GET UnixFS file and directory as ${name} with format=dag-${format} converts to the expected Content-Type`, async t => {
    const file = await gw.get(`/ipfs/${utf8File}?format=dag-${format}`)
    t.is(file.status, 200)
    t.is(file.headers.get('content-type'), `application/vnd.ipld.dag-${format}`)
    t.true((file.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${utf8File}.${format}"`))
    t.deepEqual(await bytesOf(file), encode(await block(utf8File)))
    const dir = await gw.get(`/ipfs/${jsonCborDir}?format=dag-${format}`)
    t.is(dir.status, 200)
    t.is(dir.headers.get('content-type'), `application/vnd.ipld.dag-${format}`)
    t.true((dir.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${jsonCborDir}.${format}"`))
    t.deepEqual(await bytesOf(dir), encode(dagPb.decode(await block(jsonCborDir))))
  })

  test(`GET UnixFS as ${name} with Accept: application/vnd.ipld.dag-${format}, also among other types`, async t => {
    const res = await gw.get(`/ipfs/${utf8File}`, { Accept: `application/vnd.ipld.dag-${format}` })
    t.is(res.headers.get('content-type'), `application/vnd.ipld.dag-${format}`)
    t.true((res.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${utf8File}.${format}"`))
    await res.arrayBuffer()
    const mixed = await gw.get(`/ipfs/${utf8File}`, { Accept: `foo, application/vnd.ipld.dag-${format},bar` })
    t.is(mixed.headers.get('content-type'), `application/vnd.ipld.dag-${format}`)
    await mixed.arrayBuffer()
  })

  test(`GET UnixFS with format=${format} or Accept: application/${format} (not dag-${format}) is a no-op`, async t => {
    for (const res of [await gw.get(`/ipfs/${utf8File}?format=${format}`), await gw.get(`/ipfs/${utf8File}`, { Accept: `application/${format}` })]) {
      t.is(res.status, 200)
      const type = res.headers.get('content-type') ?? ''
      t.true(type.includes('text/plain'), type)
      t.false(type.includes(`application/${format}`))
      t.deepEqual(await bytesOf(res), await block(utf8File))
    }
  })
}

// TestPlainCodec

for (const [name, format, disposition, cid, upgradable] of [
  ['plain JSON codec', 'json', 'inline', plainJson, jsonThatCanBeDag],
  ['plain CBOR codec', 'cbor', 'attachment', plainCbor, cborThatCanBeDag]
] as const) {
  test(`GET ${name} without Accept or format=, with ?format= and with Accept: same bytes, ${format} Content-Type`, async t => {
    for (const res of [await gw.get(`/ipfs/${cid}`), await gw.get(`/ipfs/${cid}?format=${format}`), await gw.get(`/ipfs/${cid}`, { Accept: `application/${format}` })]) {
      t.is(res.status, 200)
      t.is(res.headers.get('content-type'), `application/${format}`)
      t.true((res.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${cid}.${format}"`))
      t.deepEqual(await bytesOf(res), await block(cid))
    }
  })

  test(`GET ${name} with a single range request`, async t => {
    const whole = await block(cid)
    const res = await gw.get(`/ipfs/${cid}`, { Range: 'bytes=1-5' })
    t.is(res.status, 206)
    t.is(res.headers.get('content-range'), `bytes 1-5/${whole.byteLength}`)
    t.deepEqual(await bytesOf(res), whole.subarray(1, 6))
  })

  test(`GET ${name} with format=dag-${format} interprets ${format} as its dag- variant`, async t => {
    const res = await gw.get(`/ipfs/${upgradable}?format=dag-${format}`)
    t.is(res.status, 200)
    t.true((res.headers.get('content-type') ?? '').includes(`application/vnd.ipld.dag-${format}`))
    t.true((res.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${upgradable}.${format}"`))
    const body = await bytesOf(res)
    if (format === 'json') {
      t.deepEqual(JSON.parse(new TextDecoder().decode(body)), { test: 'plain-json-that-can-also-be-dag-json' })
    } else {
      t.deepEqual(body, dagCbor.encode(dagCbor.decode(await block(upgradable))))
    }
  })
}

// TestPathing

for (const [name, root] of [['DAG-JSON', jsonTraversal], ['DAG-CBOR', cborTraversal]] as const) {
  test(`GET ${name} traversal returns 501 if there is path remainder`, async t => {
    const res = await gw.get(`/ipfs/${root}/foo?format=${name === 'DAG-JSON' ? 'dag-json' : 'dag-cbor'}`)
    t.is(res.status, 501)
    t.true((await res.text()).includes('reading IPLD Kinds other than Links (CBOR Tag 42) is not implemented'))
  })

  test(`GET ${name} traverses multiple links`, async t => {
    const res = await gw.get(`/ipfs/${root}/foo/link/bar?format=dag-json`)
    t.is(res.status, 200)
    t.deepEqual(JSON.parse(await res.text()), { hello: 'this is not a link' })
  })

  test(`GET ${name} returns 404 on non-existing link`, async t => {
    t.is((await gw.get(`/ipfs/${root}/foo/i-do-not-exist`)).status, 404)
  })
}

// TestNativeDag

for (const [name, format, disposition, root] of [['DAG-JSON', 'json', 'inline', jsonTraversal], ['DAG-CBOR', 'cbor', 'attachment', cborTraversal]] as const) {
  const dagType = `application/vnd.ipld.dag-${format}`
  test(`GET ${name} without format, with format=dag-${format}, and with Accept: ${dagType} returns the raw block`, async t => {
    for (const res of [await gw.get(`/ipfs/${root}`), await gw.get(`/ipfs/${root}?format=dag-${format}`), await gw.get(`/ipfs/${root}`, { Accept: dagType })]) {
      t.is(res.status, 200)
      t.deepEqual(await bytesOf(res), await block(root))
    }
  })

  test(`GET ${name} with format=${format} or Accept: application/${format} returns the same payload with the plain Content-Type`, async t => {
    for (const res of [await gw.get(`/ipfs/${root}?format=${format}`), await gw.get(`/ipfs/${root}`, { Accept: `application/${format}` })]) {
      t.is(res.status, 200)
      t.is(res.headers.get('content-type'), `application/${format}`)
      t.deepEqual(await bytesOf(res), await block(root))
    }
  })

  test(`GET response for ${dagType} has the expected headers`, async t => {
    const res = await gw.get(`/ipfs/${root}`, { Accept: dagType })
    t.is(res.headers.get('content-type'), dagType)
    t.is(res.headers.get('content-length'), String((await block(root)).byteLength))
    t.true((res.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="${root}.${format}"`))
    t.true((res.headers.get('x-content-type-options') ?? '').includes('nosniff'))
    t.true((res.headers.get('etag') ?? '').includes(`${root}.dag-${format}`))
    t.truthy(res.headers.get('x-ipfs-path'))
    t.truthy(res.headers.get('x-ipfs-roots'))
    t.true((res.headers.get('cache-control') ?? '').includes('public, max-age=29030400, immutable'))
    await res.arrayBuffer()
  })

  test(`GET for ${dagType} with ?filename= and ?download=true sets Content-Disposition`, async t => {
    const named = await gw.get(`/ipfs/${root}?filename=foobar.${format}`, { Accept: dagType })
    t.true((named.headers.get('content-disposition') ?? '').includes(`${disposition}; filename="foobar.${format}"`))
    await named.arrayBuffer()
    const download = await gw.get(`/ipfs/${root}?filename=foobar.${format}&download=true`, { Accept: dagType })
    t.true((download.headers.get('content-disposition') ?? '').includes(`attachment; filename="foobar.${format}"`))
    await download.arrayBuffer()
  })

  test(`HEAD ${name} with no explicit format, and with format=dag-json, returns HTTP 200`, async t => {
    const plain = await gw.head(`/ipfs/${root}`)
    t.is(plain.status, 200)
    t.true((plain.headers.get('content-type') ?? '').includes(dagType))
    t.truthy(plain.headers.get('content-length'))
    const asJson = await gw.head(`/ipfs/${root}?format=dag-json`)
    t.is(asJson.status, 200)
    t.true((asJson.headers.get('etag') ?? '').includes(`${root}.dag-json`))
    t.true((asJson.headers.get('content-type') ?? '').includes('application/vnd.ipld.dag-json'))
    t.truthy(asJson.headers.get('content-length'))
  })

  test(`GET ${name} on /ipfs with Accept: text/html returns HTML (dag-index-html)`, async t => {
    const res = await gw.get(`/ipfs/${root}/`, { Accept: 'text/html' })
    t.is(res.status, 200)
    t.true((res.headers.get('etag') ?? '').includes('DagIndex-'))
    t.true((res.headers.get('content-type') ?? '').includes('text/html'))
    t.is(res.headers.get('content-disposition'), null)
    t.is(res.headers.get('cache-control'), null)
    t.true((await res.text()).includes('</html>'))
    const redirect = await gw.get(`/ipfs/${root}`, { Accept: 'text/html' })
    t.is(redirect.status, 301)
    t.is(redirect.headers.get('location'), `/ipfs/${root}/`)
  })

  test(`GET ${name} on /ipfs/ with a range, with no header, the dag header and the plain header`, async t => {
    const whole = await block(root)
    for (const [headers, type] of [[{}, dagType], [{ Accept: dagType }, dagType], [{ Accept: `application/${format}` }, `application/${format}`]] as const) {
      const res = await gw.get(`/ipfs/${root}/`, { ...headers, Range: 'bytes=0-9' })
      t.is(res.status, 206)
      t.is(res.headers.get('content-type'), type)
      t.deepEqual(await bytesOf(res), whole.subarray(0, 10))
    }
  })
}

test('Convert application/vnd.ipld.dag-cbor to application/vnd.ipld.dag-json', async t => {
  const res = await gw.get(`/ipfs/${cborTraversal}/`, { Accept: 'application/vnd.ipld.dag-json' })
  t.is(res.status, 200)
  t.deepEqual(JSON.parse(await res.text()), JSON.parse(new TextDecoder().decode(dagJson.encode(dagCbor.decode(await block(cborTraversal))))))
})

test('a dag-cbor document cannot be served as plain json: 406', async t => {
  t.is((await gw.get(`/ipfs/${cborTraversal}?format=json`)).status, 406)
  t.is((await gw.get(`/ipfs/${jsonTraversal}?format=cbor`)).status, 406)
})
