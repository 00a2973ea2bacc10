import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { importFixture } from '../helpers/fixtures.js'
import { httpGet, startTestGateway, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
let hello: CID
let png: CID
let multi: CID
let multiBytes: Uint8Array
let dir: CID

/** Deterministic pseudo-random bytes (no two 1 MiB chunks alike). */
function pattern (size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const pngBytes = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.alloc(64)
])

test.before(async () => {
  gw = await startTestGateway()
  hello = await gw.node.fs.addBytes(new TextEncoder().encode('hello world\n'))
  png = await gw.node.fs.addBytes(pngBytes)
  multiBytes = pattern(3 * 1024 * 1024 + 123)
  multi = await gw.node.fs.addBytes(multiBytes, { rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 * 1024 }) })
  dir = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-files.car')
})

test.after.always(async () => {
  await gw?.cleanup()
})

test('a file answers with its bytes, quoted Etag, immutable caching, X-Ipfs-Path/Roots and Accept-Ranges', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`)
  t.is(r.status, 200)
  t.is(r.text, 'hello world\n')
  t.is(r.headers.etag, `"${hello}"`)
  t.is(r.headers['cache-control'], 'public, max-age=29030400, immutable')
  t.is(r.headers['x-ipfs-path'], `/ipfs/${hello}`)
  t.is(r.headers['x-ipfs-roots'], hello.toString())
  t.is(r.headers['accept-ranges'], 'bytes')
  t.is(r.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(r.headers['content-length'], '12')
  t.is(r.headers['access-control-allow-origin'], '*')
})

test('HEAD sends the same headers and no body', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`, { method: 'HEAD' })
  t.is(r.status, 200)
  t.is(r.body.length, 0)
  t.is(r.headers['content-length'], '12')
  t.is(r.headers.etag, `"${hello}"`)
  t.is(r.headers['content-type'], 'text/plain; charset=utf-8')
})

test('Content-Type comes from magic bytes, then the extension, then text or octet-stream', async t => {
  t.is((await httpGet(gw.url, `/ipfs/${png}`)).headers['content-type'], 'image/png')
  // ?filename= gives the name an extension to go by
  t.is((await httpGet(gw.url, `/ipfs/${hello}?filename=page.html`)).headers['content-type'], 'text/html; charset=utf-8')
  t.is((await httpGet(gw.url, `/ipfs/${multi}`)).headers['content-type'], 'application/octet-stream')
  t.is((await httpGet(gw.url, `/ipfs/${dir}/hello.txt`)).headers['content-type'], 'text/plain; charset=utf-8')
})

test('a path below a directory resolves, with one X-Ipfs-Roots entry per step', async t => {
  const r = await httpGet(gw.url, `/ipfs/${dir}/hello.txt`)
  t.is(r.status, 200)
  t.is(r.text, 'hello world\n')
  t.is(r.headers.etag, '"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"')
  t.is(r.headers['x-ipfs-path'], `/ipfs/${dir}/hello.txt`)
  t.is(r.headers['x-ipfs-roots'], `${dir},bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4`)
})

test('GET /ipfs/bafkqaaa is 200 with an empty body', async t => {
  const r = await httpGet(gw.url, '/ipfs/bafkqaaa')
  t.is(r.status, 200)
  t.is(r.body.length, 0)
})

test('a single Range answers 206 with Content-Range', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=6-10' } })
  t.is(r.status, 206)
  t.is(r.text, 'world')
  t.is(r.headers['content-range'], 'bytes 6-10/12')
  t.is(r.headers['content-length'], '5')
  t.is(r.headers.etag, `"${hello}"`)
})

test('suffix and open-ended ranges', async t => {
  const suffix = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=-6' } })
  t.is(suffix.status, 206)
  t.is(suffix.text, 'world\n')
  t.is(suffix.headers['content-range'], 'bytes 6-11/12')
  const open = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=10-' } })
  t.is(open.text, 'd\n')
  t.is(open.headers['content-range'], 'bytes 10-11/12')
  const longSuffix = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=-1000' } })
  t.is(longSuffix.status, 206)
  t.is(longSuffix.text, 'hello world\n')
})

test('several ranges answer multipart/byteranges with a part per range', async t => {
  const r = await httpGet(gw.url, `/ipfs/${multi}`, { headers: { Range: 'bytes=0-9, 2097150-2097160, -5' } })
  t.is(r.status, 206)
  const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.headers['content-type'] ?? '')?.[1]
  t.truthy(boundary)
  t.is(Number(r.headers['content-length']), r.body.length)
  const size = multiBytes.length
  const parts = r.body.toString('latin1').split(`--${boundary ?? ''}`).slice(1, -1)
  t.is(parts.length, 3)
  const expected: Array<[number, number]> = [[0, 9], [2097150, 2097160], [size - 5, size - 1]]
  for (const [i, part] of parts.entries()) {
    const [start, end] = expected[i] as [number, number]
    const [head = '', body = ''] = part.split('\r\n\r\n')
    t.true(head.includes(`Content-Range: bytes ${start}-${end}/${size}`))
    t.true(head.includes('Content-Type: application/octet-stream'))
    t.deepEqual(Buffer.from(body.replace(/\r\n$/, ''), 'latin1'), Buffer.from(multiBytes.subarray(start, end + 1)))
  }
})

test('overlapping and adjacent ranges are coalesced, and a set larger than the file gets the whole file once (no amplification)', async t => {
  const size = multiBytes.length
  const merged = await httpGet(gw.url, `/ipfs/${multi}`, { headers: { Range: 'bytes=100-199, 0-49, 40-99, 300-309' } })
  t.is(merged.status, 206)
  const boundary = /boundary=(\S+)$/.exec(merged.headers['content-type'] ?? '')?.[1] ?? ''
  const heads = merged.body.toString('latin1').split(`--${boundary}`).slice(1, -1).map(p => /Content-Range: ([^\r]+)/.exec(p)?.[1])
  t.deepEqual(heads, [`bytes 0-199/${size}`, `bytes 300-309/${size}`])

  const one = await httpGet(gw.url, `/ipfs/${multi}`, { headers: { Range: 'bytes=0-9, 10-19, 5-14' } })
  t.is(one.status, 206)
  t.is(one.headers['content-range'], `bytes 0-19/${size}`)
  t.deepEqual(one.body, Buffer.from(multiBytes.subarray(0, 20)))

  // 64 ranges of the whole file: 64 times its size asked for by a tiny request
  const flood = await httpGet(gw.url, `/ipfs/${multi}`, { headers: { Range: 'bytes=' + Array.from({ length: 64 }, (_, i) => `${i}-`).join(',') } })
  t.is(flood.status, 200)
  t.is(flood.body.length, size)
  t.is(flood.headers['content-range'], undefined)
})

test('an unsatisfiable Range answers 416 with the size', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=100-200' } })
  t.is(r.status, 416)
  t.is(r.headers['content-range'], 'bytes */12')
  t.regex(r.text, /^416 /)
  const zeroSuffix = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=-0' } })
  t.is(zeroSuffix.status, 416)
})

test('absurd Range headers are clipped or ignored, never an error', async t => {
  const huge = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=0-99999999999999999999999999' } })
  t.is(huge.status, 206)
  t.is(huge.headers['content-range'], 'bytes 0-11/12')
  const hugeStart = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=99999999999999999999999999-' } })
  t.is(hugeStart.status, 416)
  for (const bad of ['bytes=abc', 'bytes=5-2', 'items=0-1', 'bytes=', 'bytes=--1', 'bytes=1-2-3']) {
    const r = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: bad } })
    t.is(r.status, 200, bad)
    t.is(r.text, 'hello world\n', bad)
  }
  const many = Array.from({ length: 500 }, (_, i) => `${i % 12}-${i % 12}`).join(',')
  const flood = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: `bytes=${many}` } })
  t.is(flood.status, 200)
})

test('If-Range with another Etag sends the whole file', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=0-4', 'If-Range': '"bafyother"' } })
  t.is(r.status, 200)
  t.is(r.text, 'hello world\n')
  const same = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { Range: 'bytes=0-4', 'If-Range': `"${hello}"` } })
  t.is(same.status, 206)
})

test('a Range reads only the blocks under it', async t => {
  // a copy of the 3 MiB file on its own CID so deleting a block does not disturb other tests
  const bytes = pattern(3 * 1024 * 1024, 2)
  const cid = await gw.node.fs.addBytes(bytes, { rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 * 1024 }) })
  const root = dagPb.decode(await readBlock(cid))
  t.is(root.Links.length, 3)
  const middle = root.Links[1]?.Hash as CID
  await gw.node.repo.blockstore.delete(middle)
  const first = await httpGet(gw.url, `/ipfs/${cid}`, { headers: { Range: 'bytes=0-99' } })
  t.is(first.status, 206)
  t.deepEqual(first.body, Buffer.from(bytes.subarray(0, 100)))
  const last = await httpGet(gw.url, `/ipfs/${cid}`, { headers: { Range: 'bytes=-100' } })
  t.is(last.status, 206)
  t.deepEqual(last.body, Buffer.from(bytes.subarray(bytes.length - 100)))
  // a range that starts inside the missing block fails before any byte: a clean 502
  const inside = await httpGet(gw.url, `/ipfs/${cid}`, { headers: { Range: `bytes=${1024 * 1024 + 10}-${1024 * 1024 + 20}` } })
  t.is(inside.status, 502)
  t.regex(inside.text, /^502 /)
  t.false(inside.text.includes('    at '))
  // one that runs into it has sent bytes already: the connection is cut, never a complete-looking 206
  await t.throwsAsync(httpGet(gw.url, `/ipfs/${cid}`, { headers: { Range: `bytes=${1024 * 1024 - 10}-${1024 * 1024 + 10}` } }))
})

async function readBlock (cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of gw.node.repo.blockstore.get(cid)) parts.push(part)
  return Buffer.concat(parts)
}

test('If-None-Match with the Etag (strong, weak, in a list, or *) answers 304', async t => {
  for (const value of [`"${hello}"`, `W/"${hello}"`, `"other", "${hello}"`, '*']) {
    const r = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { 'If-None-Match': value } })
    t.is(r.status, 304, value)
    t.is(r.body.length, 0)
    t.is(r.headers.etag, `"${hello}"`)
  }
  const miss = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { 'If-None-Match': '"bafyother"' } })
  t.is(miss.status, 200)
})

test('?filename= sets an inline Content-Disposition; ?download=true makes it an attachment', async t => {
  const inline = await httpGet(gw.url, `/ipfs/${hello}?filename=hello.txt`)
  t.is(inline.headers['content-disposition'], 'inline; filename="hello.txt"; filename*=UTF-8\'\'hello.txt')
  const download = await httpGet(gw.url, `/ipfs/${hello}?filename=hello.txt&download=true`)
  t.is(download.headers['content-disposition'], 'attachment; filename="hello.txt"; filename*=UTF-8\'\'hello.txt')
  const utf8 = await httpGet(gw.url, `/ipfs/${hello}?filename=${encodeURIComponent('Ærø "ł" 日本.txt')}&download=true`)
  t.is(utf8.headers['content-disposition'], 'attachment; filename="_r_ \\"_\\" __.txt"; filename*=UTF-8\'\'%C3%86r%C3%B8%20%22%C5%82%22%20%E6%97%A5%E6%9C%AC.txt')
  const bare = await httpGet(gw.url, `/ipfs/${dir}/hello.txt?download=true`)
  t.is(bare.headers['content-disposition'], 'attachment; filename="hello.txt"; filename*=UTF-8\'\'hello.txt')
  t.is((await httpGet(gw.url, `/ipfs/${hello}`)).headers['content-disposition'], undefined)
  // control characters cannot split the header
  const crlf = await httpGet(gw.url, `/ipfs/${hello}?filename=a%0d%0aSet-Cookie:%20x=1.txt`)
  t.is(crlf.status, 200)
  t.is(crlf.headers['set-cookie'], undefined)
  t.is(crlf.headers['content-disposition'], 'inline; filename="a__Set-Cookie: x=1.txt"; filename*=UTF-8\'\'a%0D%0ASet-Cookie%3A%20x%3D1.txt')
})

test('percent-encoded path segments are decoded one by one', async t => {
  const root = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-percent-encoded-filename.car')
  const name = 'Portugal%2C+España=Peninsula Ibérica.txt'
  const r = await httpGet(gw.url, `/ipfs/${root}/${encodeURIComponent(name)}`)
  t.is(r.status, 200)
  t.is(r.headers.etag, '"bafkreihfmctcb2kuvoljqeuphqr2fg2r45vz5cxgq5c2yrxnqg5erbitmq"')
  t.is(r.body.length, 38)
  // undecoded, the name is another one, which does not exist
  const raw = await httpGet(gw.url, `/ipfs/${root}/Portugal%2C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)
  t.is(raw.status, 404)
  const listing = await httpGet(gw.url, `/ipfs/${root}/`)
  t.true(listing.text.includes('href="./Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt"'))
})

test('malformed CIDs are 400 with a short plain-text reason', async t => {
  for (const bad of ['notacid', 'bafy', 'Qm123', 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrm', '%00', 'z'.repeat(2000)]) {
    const r = await httpGet(gw.url, `/ipfs/${bad}`)
    t.is(r.status, 400, bad)
    t.is(r.headers['content-type'], 'text/plain; charset=utf-8')
    t.regex(r.text, /^400 invalid /)
    t.false(r.text.includes('    at '))
    t.true(r.text.length < 600)
  }
  t.is((await httpGet(gw.url, '/ipfs/')).status, 400)
})

test('.., encoded dots, encoded slashes and bad escapes in paths are 400', async t => {
  for (const path of [`/ipfs/${dir}/../${hello}`, `/ipfs/${dir}/%2e%2e/x`, `/ipfs/${dir}/.`, `/ipfs/${dir}/a%2Fb`, `/ipfs/${dir}/%zz`, `/ipfs/${dir}/a%00b`]) {
    const r = await httpGet(gw.url, path)
    t.is(r.status, 400, path)
    t.regex(r.text, /^400 invalid path/, path)
  }
})

test('a path that is not in the DAG is 404; so is a path through a raw block', async t => {
  const missing = await httpGet(gw.url, `/ipfs/${dir}/nope.txt`)
  t.is(missing.status, 404)
  t.regex(missing.text, /^404 /)
  const throughRaw = await httpGet(gw.url, `/ipfs/${hello}/inside`)
  t.is(throughRaw.status, 404)
  const throughFile = await httpGet(gw.url, `/ipfs/${dir}/hello.txt/more`)
  t.is(throughFile.status, 404)
})

test('writes and unknown methods are 405 with Allow', async t => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND']) {
    const r = await httpGet(gw.url, `/ipfs/${hello}`, { method })
    t.is(r.status, 405, method)
    t.is(r.headers.allow, 'GET, HEAD, OPTIONS')
  }
})

test('OPTIONS answers a CORS preflight', async t => {
  const r = await httpGet(gw.url, `/ipfs/${hello}`, { method: 'OPTIONS', headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'GET' } })
  t.is(r.status, 204)
  t.is(r.headers['access-control-allow-origin'], '*')
  t.regex(r.headers['access-control-allow-methods'] ?? '', /GET/)
  t.regex(r.headers['access-control-allow-headers'] ?? '', /Range/)
})

test('Cache-Control: only-if-cached answers 412 for content that is not local, 200 for content that is', async t => {
  const absent = 'bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom'
  const miss = await httpGet(gw.url, `/ipfs/${absent}`, { headers: { 'Cache-Control': 'only-if-cached' } })
  t.is(miss.status, 412)
  const hit = await httpGet(gw.url, `/ipfs/${hello}`, { headers: { 'Cache-Control': 'only-if-cached' } })
  t.is(hit.status, 200)
})

test('Cache-Control: only-if-cached on an identity CID is 200: its bytes are in the CID, always cached', async t => {
  for (const format of ['', '?format=raw', '?format=car']) {
    const r = await httpGet(gw.url, `/ipfs/bafkqaaa${format}`, { headers: { 'Cache-Control': 'only-if-cached' } })
    t.is(r.status, 200, format)
  }
  // an identity CID of a few bytes ("hello" as raw), with only-if-cached among other directives
  const r = await httpGet(gw.url, '/ipfs/bafkqablimvwgy3y', { headers: { 'Cache-Control': 'no-cache, only-if-cached' } })
  t.is(r.status, 200)
  t.is(r.text, 'hello')
})

test('content that is missing locally on an offline node is 502, not a hang or a stack trace', async t => {
  const r = await httpGet(gw.url, '/ipfs/bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom')
  t.is(r.status, 502)
  t.regex(r.text, /^502 /)
  t.false(r.text.includes('    at '))
})

test('paths outside /ipfs/ are 404', async t => {
  t.is((await httpGet(gw.url, '/')).status, 404)
  t.is((await httpGet(gw.url, '//[')).status, 404)
  t.is((await httpGet(gw.url, '//example.com/ipfs/x')).status, 404)
  t.is((await httpGet(gw.url, '/foo')).status, 404)
  t.is((await httpGet(gw.url, '/ipns/example.com')).status, 404)
})

test('the symlink fixture is served as inode/symlink', async t => {
  const root = await importFixture(gw.node, 'path_gateway_unixfs/symlink.car')
  const r = await httpGet(gw.url, `/ipfs/${root}/bar`)
  t.is(r.status, 200)
  t.is(r.headers['content-type'], 'inode/symlink')
  t.is(r.text, 'foo')
})
