import test from 'ava'
import { base36 } from 'multiformats/bases/base36'
import { importFixture } from '../helpers/fixtures.js'
import { httpGet, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import type { CID } from 'multiformats/cid'

let gw: TestGateway
let dir: CID
let port: string

test.before(async () => {
  gw = await startTestGateway()
  port = new URL(gw.url).port
  dir = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-files.car')
})

test.after.always(async () => {
  await gw?.cleanup()
})

test('<cid>.ipfs.localhost serves the content at the host root', async t => {
  const host = `${dir}.ipfs.localhost:${port}`
  const file = await httpGet(gw.url, '/hello.txt', { headers: { Host: host } })
  t.is(file.status, 200)
  t.is(file.text, 'hello world\n')
  t.is(file.headers.etag, '"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"')
  t.is(file.headers['x-ipfs-path'], `/ipfs/${dir}/hello.txt`)
  const listing = await httpGet(gw.url, '/', { headers: { Host: host } })
  t.is(listing.status, 200)
  t.true(listing.text.includes('<a href="./hello.txt">hello.txt</a>'))
  const ranged = await httpGet(gw.url, '/hello.txt', { headers: { Host: host, Range: 'bytes=0-4' } })
  t.is(ranged.status, 206)
  t.is(ranged.text, 'hello')
})

test('a subdomain directory without a trailing slash redirects on the same host', async t => {
  const listing = await importFixture(gw.node, 'dir_listing/fixtures.car')
  const r = await httpGet(gw.url, '/api?x=1', { headers: { Host: `${listing}.ipfs.localhost:${port}` } })
  t.is(r.status, 301)
  t.is(r.headers.location, '/api/?x=1')
})

test('a path request on localhost redirects (301) to the subdomain, keeping path and query', async t => {
  const r = await httpGet(gw.url, `/ipfs/${dir}/hello.txt?filename=a.txt`, { headers: { Host: `localhost:${port}` } })
  t.is(r.status, 301)
  t.is(r.headers.location, `http://${dir}.ipfs.localhost:${port}/hello.txt?filename=a.txt`)
  const root = await httpGet(gw.url, `/ipfs/${dir}`, { headers: { Host: `localhost:${port}` } })
  t.is(root.headers.location, `http://${dir}.ipfs.localhost:${port}/`)
})

test('a CIDv0 path is redirected to its base32 CIDv1 subdomain', async t => {
  const v0 = await importFixture(gw.node, 'path_gateway_unixfs/symlink.car')
  t.is(v0.version, 0)
  const r = await httpGet(gw.url, `/ipfs/${v0}/bar`, { headers: { Host: `localhost:${port}` } })
  t.is(r.status, 301)
  t.is(r.headers.location, `http://${v0.toV1().toString()}.ipfs.localhost:${port}/bar`)
  t.regex(r.headers.location ?? '', /^http:\/\/bafybei[a-z2-7]+\.ipfs\./)
})

test('a subdomain label in another base is redirected to base32', async t => {
  const label = dir.toString(base36)
  const r = await httpGet(gw.url, '/hello.txt', { headers: { Host: `${label}.ipfs.localhost:${port}` } })
  t.is(r.status, 301)
  t.is(r.headers.location, `http://${dir}.ipfs.localhost:${port}/hello.txt`)
})

test('a bad CID in the subdomain is 400; an IPNS subdomain is 404', async t => {
  const bad = await httpGet(gw.url, '/', { headers: { Host: `notacid.ipfs.localhost:${port}` } })
  t.is(bad.status, 400)
  t.regex(bad.text, /^400 invalid CID/)
  const ipns = await httpGet(gw.url, '/', { headers: { Host: `example-com.ipns.localhost:${port}` } })
  t.is(ipns.status, 404)
})

test('127.0.0.1 and unknown hosts stay path gateways', async t => {
  const direct = await httpGet(gw.url, `/ipfs/${dir}/hello.txt`)
  t.is(direct.status, 200)
  const other = await httpGet(gw.url, `/ipfs/${dir}/hello.txt`, { headers: { Host: `gateway.example.test:${port}` } })
  t.is(other.status, 200)
  const notConfigured = await httpGet(gw.url, '/hello.txt', { headers: { Host: `${dir}.ipfs.example.test:${port}` } })
  t.is(notConfigured.status, 404)
})

test('Gateway.PublicGateways decides which hosts are subdomain gateways', async t => {
  const config = gw.node.config
  await gw.node.repo.saveConfig({
    ...config,
    Gateway: {
      ...config.Gateway,
      PublicGateways: {
        ...config.Gateway.PublicGateways,
        'sub.example.test': { Paths: ['/ipfs'], UseSubdomains: true },
        'path.example.test': { Paths: ['/ipfs'], UseSubdomains: false }
      }
    }
  })
  t.teardown(async () => { await gw.node.repo.saveConfig(config) })
  const sub = await httpGet(gw.url, '/hello.txt', { headers: { Host: `${dir}.ipfs.sub.example.test` } })
  t.is(sub.status, 200)
  t.is(sub.text, 'hello world\n')
  const redirect = await httpGet(gw.url, `/ipfs/${dir}/hello.txt`, { headers: { Host: 'sub.example.test' } })
  t.is(redirect.headers.location, `http://${dir}.ipfs.sub.example.test/hello.txt`)
  const forwarded = await httpGet(gw.url, `/ipfs/${dir}/`, { headers: { Host: 'sub.example.test', 'X-Forwarded-Proto': 'https' } })
  t.is(forwarded.headers.location, `https://${dir}.ipfs.sub.example.test/`)
  const path = await httpGet(gw.url, `/ipfs/${dir}/hello.txt`, { headers: { Host: 'path.example.test' } })
  t.is(path.status, 200)
})

test('a CID too long for a base32 DNS label goes to a base36 subdomain', async t => {
  const { identity } = await import('multiformats/hashes/identity')
  const { CID } = await import('multiformats/cid')
  // an identity CID whose inline bytes make base32 65 characters, base36 62
  const text = 'thirty-six bytes inline in this CID!'
  const cid = CID.createV1(0x55, identity.digest(new TextEncoder().encode(text)))
  t.true(cid.toString().length > 63)
  const label = cid.toString(base36)
  t.true(label.length <= 63)
  const r = await httpGet(gw.url, `/ipfs/${cid}`, { headers: { Host: `localhost:${port}` } })
  t.is(r.headers.location, `http://${label}.ipfs.localhost:${port}/`)
  const served = await httpGet(gw.url, '/', { headers: { Host: `${label}.ipfs.localhost:${port}` } })
  t.is(served.status, 200)
  t.is(served.text, text)
})
