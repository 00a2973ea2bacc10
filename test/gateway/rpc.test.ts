import test from 'ava'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { multipart, startRpcNode, type RpcTestNode } from '../helpers/rpc.js'
import { nodeIdentity } from '../../node/commands/id.js'
import { commands } from '../../node/commands/index.js'
import { valuesCommand } from '../../node/commands/command.js'

let shared: RpcTestNode

test.before(async () => {
  shared = await startRpcNode()
})

test.after.always(async () => {
  await shared?.stop()
})

async function addText (node: RpcTestNode, name: string, text: string, query: Array<[string, string]> = []): Promise<Array<Record<string, unknown>>> {
  const { body, type } = multipart([{ name, content: text }])
  const res = await node.post('add', query, { body, headers: { 'content-type': type } })
  if (res.status !== 200) throw new Error(`add: ${res.status} ${await res.text()}`)
  return (await res.text()).trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
}

test('id answers Kubo\'s shape as NDJSON with Kubo\'s stream headers', async t => {
  const res = await shared.post('id')
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'application/json')
  t.is(res.headers.get('x-stream-output'), '1')
  t.is(res.headers.get('x-chunked-output'), '1')
  t.regex(res.headers.get('trailer') ?? '', /X-Stream-Error/)
  const body = await res.text()
  t.true(body.endsWith('\n'))
  t.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(await nodeIdentity(shared.node))))
  t.deepEqual(Object.keys(JSON.parse(body) as object), ['ID', 'PublicKey', 'Addresses', 'AgentVersion', 'Protocols'])
})

test('an unknown endpoint is a 404 with Kubo\'s JSON error shape', async t => {
  for (const path of ['frobnicate', 'pin/frob', '']) {
    const res = await shared.post(path)
    t.is(res.status, 404, path)
    const body = await res.json() as Record<string, unknown>
    t.is(body.Type, 'error')
    t.is(typeof body.Message, 'string')
    t.is(typeof body.Code, 'number')
  }
  const outside = await fetch(`${shared.server.url}/nothing-here`, { method: 'POST' })
  t.is(outside.status, 404)
  t.is(((await outside.json()) as { Type: string }).Type, 'error')
})

test('GET on an endpoint is 405 with Allow: OPTIONS, POST, like Kubo', async t => {
  const res = await fetch(`${shared.api}/id`)
  t.is(res.status, 405)
  t.is(res.headers.get('allow'), 'OPTIONS, POST')
  t.is(((await res.json()) as { Type: string }).Type, 'error')
})

test('an invalid CID argument is a 400 client error that names it', async t => {
  const res = await shared.post('cat', [['arg', 'not-a-cid']])
  t.is(res.status, 400)
  const body = await res.json() as Record<string, unknown>
  t.is(body.Type, 'error')
  t.is(body.Code, 1)
  t.is(body.CairnCode, 'ERR_INVALID_CID')
  t.regex(body.Message as string, /invalid CID "not-a-cid"/)
})

test('a missing required argument and a bad option value are 400s', async t => {
  const missing = await shared.post('cat')
  t.is(missing.status, 400)
  t.regex(((await missing.json()) as { Message: string }).Message, /argument "ipfs-path" is required/)
  const badNumber = await shared.post('cat', [['arg', 'bafkqaaa'], ['offset', 'lots']])
  t.is(badNumber.status, 400)
  t.regex(((await badNumber.json()) as { Message: string }).Message, /option "offset" takes a number/)
  const noBody = await shared.post('add')
  t.is(noBody.status, 400)
  t.regex(((await noBody.json()) as { Message: string }).Message, /multipart/)
})

test('options take Kubo\'s names, booleans as true/false, and unknown ones are ignored', async t => {
  const modern = await addText(shared, 'hello.txt', 'hello world\n', [['pin', 'false'], ['stream-channels', 'true'], ['no-such-option', 'x']])
  t.is(modern.at(-1)?.Hash, 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
  const legacy = await addText(shared, 'hello.txt', 'hello world\n', [['cid-version', '0'], ['pin', 'false']])
  t.is(legacy.at(-1)?.Hash, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
  const pins = await (await shared.post('pin/ls', [['type', 'recursive'], ['stream', 'true']])).text()
  t.false(pins.includes('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'))
})

test('a multipart upload with directories becomes the same tree as a local add', async t => {
  const { body, type } = multipart([
    { name: 'dir' },
    { name: 'dir/a.txt', content: 'aaa\n' },
    { name: 'dir/sub' },
    { name: 'dir/sub/b ü.txt', content: 'bbb\n' }
  ])
  const res = await shared.post('add', [['recursive', 'true'], ['pin', 'false']], { body, headers: { 'content-type': type } })
  t.is(res.status, 200)
  const values = (await res.text()).trim().split('\n').map(l => JSON.parse(l) as { Name: string, Hash: string })
  t.deepEqual(values.map(v => v.Name), ['dir/a.txt', 'dir/sub/b ü.txt', 'dir/sub', 'dir'])
  const root = values.at(-1)?.Hash as string

  const ls = await shared.post('ls', [['arg', `${root}/sub`]])
  t.regex(await ls.text(), /b ü\.txt/)
})

test('cat streams bytes as text/plain with X-Stream-Output', async t => {
  const [added] = await addText(shared, 'x.txt', 'some bytes\n', [['pin', 'false']])
  const res = await shared.post('cat', [['arg', added?.Hash as string], ['offset', '5']])
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'text/plain')
  t.is(res.headers.get('x-stream-output'), '1')
  t.is(await res.text(), 'bytes\n')
})

test('get answers a tar stream named after the requested path, as Kubo does', async t => {
  const { body, type } = multipart([{ name: 'd' }, { name: 'd/f.txt', content: 'file\n' }])
  const res = await shared.post('add', [['recursive', 'true'], ['pin', 'false']], { body, headers: { 'content-type': type } })
  const root = ((await res.text()).trim().split('\n').map(l => JSON.parse(l) as { Hash: string }).at(-1) as { Hash: string }).Hash
  const got = await shared.post('get', [['arg', root]])
  t.is(got.status, 200)
  t.is(got.headers.get('content-type'), 'application/x-tar')
  const extract = tar.extract()
  Readable.fromWeb(got.body as never).pipe(extract as unknown as NodeJS.WritableStream)
  const names: string[] = []
  for await (const entry of extract) {
    names.push(entry.header.name)
    let text = ''
    for await (const chunk of entry) text += String(chunk)
    if (entry.header.type === 'file') t.is(text, 'file\n')
  }
  t.deepEqual(names.map(n => n.replace(/\/$/, '')), [root, `${root}/f.txt`])
})

test('a browser Origin is refused with 403', async t => {
  const res = await shared.post('id', [], { headers: { origin: 'http://evil.example' } })
  t.is(res.status, 403)
  t.is(((await res.json()) as { Type: string }).Type, 'error')
})

test.serial('a huge upload cut off midway leaves no pin and the server keeps serving', async t => {
  const listPins = async (): Promise<string[]> => {
    const res = await shared.post('pin/ls', [['type', 'recursive'], ['stream', 'true']])
    t.is(res.status, 200)
    return (await res.text()).trim().split('\n').filter(line => line !== '')
  }
  const before = await listPins()
  const boundary = 'cut-off-boundary'
  const url = new URL(`${shared.api}/add`)
  let sent = 0
  const req = request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
  req.on('error', () => {})
  req.on('response', res => res.resume())
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  const chunk = Buffer.alloc(1024 * 1024, 7)
  // stream well past the first chunks (blocks get written), then drop the connection
  while (sent < 24 * 1024 * 1024) {
    chunk.writeUInt32BE(sent / chunk.length, 0)
    if (!req.write(chunk)) await new Promise(resolve => req.once('drain', resolve))
    sent += chunk.length
  }
  req.destroy()

  // repo gc takes the GC lock exclusively: it runs only once the cut add has let go of it,
  // so what pin ls says after it is what the add left behind
  const gc = await shared.post('repo/gc')
  t.is(gc.status, 200)
  await gc.text()
  const id = await shared.post('id')
  t.is(id.status, 200)
  const added = await addText(shared, 'after.txt', 'still serving\n')
  t.is(added.length, 1)
  // the only new recursive pin is the small file added afterwards
  const newPins = (await listPins()).filter(line => !before.includes(line))
  t.deepEqual(newPins.map(l => (JSON.parse(l) as { Cid: string }).Cid), [added[0]?.Hash])
})

test('the router serves whatever is in the table it is given, and a client that disconnects aborts the command', async t => {
  // a table of the test's own: the router needs no change to serve a new command
  let aborted: unknown
  let produced = 0
  let finished!: () => void
  const stopped = new Promise<void>(resolve => { finished = resolve })
  const probe = valuesCommand<{ N: number }>({
    path: ['test', 'endless-probe'],
    description: 'yields numbers until aborted',
    args: [],
    options: [],
    async * run ({ signal }) {
      try {
        while (!signal.aborted) {
          yield { N: produced++ }
          await new Promise(resolve => setTimeout(resolve, 5))
        }
      } finally {
        aborted = signal.reason
        finished()
      }
    },
    text: v => String(v.N)
  })
  const own = await startRpcNode(undefined, [...commands, probe])
  t.teardown(own.stop)

  const controller = new AbortController()
  const res = await own.post('test/endless-probe', [], { signal: controller.signal })
  t.is(res.status, 200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const first = await reader.read()
  t.regex(new TextDecoder().decode(first.value), /^\{"N":0\}\n/)
  controller.abort()
  // the generator ran its finally: it returned, so it produces nothing more
  await stopped
  t.is((aborted as { code?: string } | undefined)?.code, 'ERR_CLIENT_GONE')
  t.true(produced > 0)
})

test('Kubo\'s timeout option bounds any call: before the first value it is an error status, after it the trailer', async t => {
  const waiter = valuesCommand<{ N: number }>({
    path: ['test', 'waiter'],
    description: 'yields one value, then waits for the abort (with first=false, waits first)',
    args: [],
    options: [{ name: 'first', type: 'boolean', default: true, description: 'yield before waiting' }],
    async * run ({ signal }, { options }) {
      if (options.first === true) yield { N: 1 }
      await new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
    },
    text: v => String(v.N)
  })
  const own = await startRpcNode(undefined, [...commands, waiter])
  t.teardown(own.stop)

  const early = await own.post('test/waiter', [['first', 'false'], ['timeout', '200ms']])
  t.is(early.status, 500)
  const body = await early.json() as { Message: string, CairnCode: string }
  t.is(body.CairnCode, 'ERR_TIMEOUT')
  t.regex(body.Message, /request timed out after 200ms/)

  const late = await new Promise<{ status?: number, body: string, trailers: NodeJS.Dict<string> }>((resolve, reject) => {
    const req = request(`${own.api}/test/waiter?timeout=200ms`, { method: 'POST' }, res => {
      let text = ''
      res.setEncoding('utf8').on('data', (s: string) => { text += s })
      res.on('end', () => resolve({ ...(res.statusCode != null ? { status: res.statusCode } : {}), body: text, trailers: res.trailers }))
    })
    req.on('error', reject)
    req.end()
  })
  t.is(late.status, 200)
  t.is(late.body, '{"N":1}\n')
  t.regex(late.trailers['x-stream-error'] ?? '', /request timed out after 200ms/)
  t.is(late.trailers['x-stream-error-code'], 'ERR_TIMEOUT')
})

test.serial('malformed multipart bodies are 400s that name the problem, and pin nothing', async t => {
  const before = await (await shared.post('pin/ls', [['type', 'recursive'], ['stream', 'true']])).text()
  const noBoundary = await shared.post('add', [], { body: 'x', headers: { 'content-type': 'multipart/form-data' } })
  t.is(noBoundary.status, 400)
  t.regex(((await noBoundary.json()) as { Message: string }).Message, /bad multipart body/)
  const garbage = await shared.post('add', [], { body: 'this is not multipart at all', headers: { 'content-type': 'multipart/form-data; boundary=zzz' } })
  t.is(garbage.status, 400)
  t.regex(((await garbage.json()) as { Message: string }).Message, /bad multipart body|nothing to add/)
  const badName = await shared.post('add', [], {
    body: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="%E0%A4%A"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--zzz--\r\n',
    headers: { 'content-type': 'multipart/form-data; boundary=zzz' }
  })
  t.is(badName.status, 400)
  t.regex(((await badName.json()) as { Message: string }).Message, /bad multipart filename/)
  t.is(await (await shared.post('pin/ls', [['type', 'recursive'], ['stream', 'true']])).text(), before)
})
