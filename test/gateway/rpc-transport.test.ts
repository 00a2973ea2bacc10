import test from 'ava'
import { createHash } from 'node:crypto'
import { mkdir, writeFile, utimes, chmod } from 'node:fs/promises'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { startRpcNode, type RpcTestNode } from '../helpers/rpc.js'
import { tempDir } from '../helpers/cli.js'
import { openRpcTransport } from '../../cli/rpc-transport.js'
import { daemonEndpoint } from '../../cli/connect.js'
import { localInputs } from '../../cli/inputs.js'
import { findCommand } from '../../node/commands/index.js'
import { ApiUnreachableError, BlockNotLocalError, ForbiddenError, InvalidCidError, TimeoutError, UsageError } from '../../node/errors.js'
import type { Command, CommandCall, InputEntry, Options, TreeEntry } from '../../node/commands/command.js'
import type { Transport } from '../../cli/transport.js'

let served: RpcTestNode
let rpc: Transport

test.before(async () => {
  served = await startRpcNode()
  rpc = openRpcTransport({ url: served.server.url })
})

test.after.always(async () => {
  await rpc?.close()
  await served?.stop()
})

function command (...words: string[]): Command {
  const found = findCommand(words)
  if (found == null) throw new Error(`no command ${words.join(' ')}`)
  return found
}

/** The options the CLI would pass: every spec'd option, defaults filled in. */
function cliOptions (cmd: Command, given: Options = {}): Options {
  const options: Options = {}
  for (const spec of cmd.options) {
    options[spec.name] = given[spec.name] ?? spec.default ?? (spec.type === 'boolean' && spec.tristate !== true ? false : undefined)
  }
  return options
}

/** Bytes as the async stream an {@link InputEntry} carries. */
async function * chunks (...pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield * pieces
}

async function collect (source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const item of source) out.push(item)
  return out
}

async function bytes (source: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of source) parts.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(parts)
}

/** Runs a command in-process on the served node, as the local transport would. */
function local (cmd: Command, call: CommandCall, signal = new AbortController().signal): AsyncIterable<unknown> {
  return cmd.run({ node: served.node, signal }, call)
}

async function materialise (entries: AsyncIterable<unknown>): Promise<Array<Omit<TreeEntry, 'content'> & { bytes?: string }>> {
  const out = []
  for await (const raw of entries) {
    const { content, ...rest } = raw as TreeEntry
    out.push(content != null ? { ...rest, bytes: createHash('sha256').update(await bytes(content)).digest('hex') } : rest)
  }
  return out
}

async function fixtureDir (): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const dir = await tempDir('cairn-rpc-src-')
  const root = join(dir.path, 'site')
  await mkdir(join(root, 'sub'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<h1>hi</h1>\n')
  await writeFile(join(root, 'sub', 'data.bin'), Buffer.alloc(2 * 1024 * 1024 + 5, 9))
  await chmod(join(root, 'sub', 'data.bin'), 0o600)
  await utimes(join(root, 'index.html'), new Date('2020-01-02T03:04:05.678Z'), new Date('2020-01-02T03:04:05.678Z'))
  return { path: root, cleanup: dir.cleanup }
}

test('id through the transport yields exactly what it yields in-process', async t => {
  const id = command('id')
  const call = { args: [], options: cliOptions(id) }
  t.deepEqual(await collect(rpc.invoke(id, call, new AbortController().signal)), await collect(local(id, call)))
})

test('add of a local directory through the transport uploads a streamed multipart body and yields the same values', async t => {
  const src = await fixtureDir()
  t.teardown(src.cleanup)
  const add = command('add')
  for (const given of [{ recursive: true }, { recursive: true, 'preserve-mode': true, 'preserve-mtime': true, 'cid-version': 0 }] as Options[]) {
    const options = cliOptions(add, given)
    const viaRpc = await collect(rpc.invoke(add, { args: [src.path], options, inputs: await localInputs([src.path], options) }, new AbortController().signal))
    // in-process the CLI reads local files several at a time; through the RPC one after another
    const inProcess = await collect(local(add, { args: [src.path], options, inputs: await localInputs([src.path], options), independentInputs: true }))
    t.deepEqual(viaRpc, inProcess)
    t.is((viaRpc.at(-1) as { Name: string }).Name, 'site')
  }
})

test('cat and get through the transport give the same bytes and tree entries as in-process', async t => {
  const src = await fixtureDir()
  t.teardown(src.cleanup)
  const add = command('add')
  for (const given of [{ recursive: true }, { recursive: true, 'preserve-mode': true, 'preserve-mtime': true }] as Options[]) {
    const options = cliOptions(add, given)
    const added = await collect(local(add, { args: [src.path], options, inputs: await localInputs([src.path], options) }))
    const root = (added.at(-1) as { Hash: string }).Hash

    const cat = command('cat')
    const catCall = { args: [`${root}/sub/data.bin`], options: cliOptions(cat, { offset: 1024 * 1024 - 3, length: 10 }) }
    const viaRpc = await bytes(rpc.invoke(cat, catCall, new AbortController().signal))
    t.true(viaRpc.equals(await bytes(local(cat, catCall))))
    t.is(viaRpc.length, 10)

    const get = command('get')
    const getCall = { args: [root], options: cliOptions(get) }
    const tree = await materialise(rpc.invoke(get, getCall, new AbortController().signal))
    t.deepEqual(tree, await materialise(local(get, getCall)))
    t.deepEqual(tree.map(e => e.path), ['', 'index.html', 'sub', 'sub/data.bin'])
  }
})

test('an error raised before any output comes back as the same typed error', async t => {
  const cat = command('cat')
  const call = { args: ['not-a-cid'], options: cliOptions(cat) }
  const viaRpc = await t.throwsAsync(collect(rpc.invoke(cat, call, new AbortController().signal)), { instanceOf: InvalidCidError })
  const inProcess = await t.throwsAsync(collect(local(cat, call)), { instanceOf: InvalidCidError })
  t.is(viaRpc?.message, inProcess?.message)
  const usage = await t.throwsAsync(collect(rpc.invoke(command('config', 'get'), { args: ['Identity.PrivKey'], options: {} }, new AbortController().signal)))
  t.true(usage instanceof UsageError)
})

test('an error after the output started (a block missing mid-tree) arrives through the trailer as the same typed error', async t => {
  const add = command('add')
  const options = cliOptions(add, { pin: false, recursive: true })
  const content = Buffer.alloc(3 * 1024 * 1024, 1).map((_, i) => i % 256)
  const inputs = async function * (): AsyncGenerator<InputEntry> {
    yield { path: 'broken' }
    yield { path: 'broken/a.txt', content: chunks(Buffer.from('first file\n')) }
    yield { path: 'broken/b.bin', content: chunks(content) }
  }
  const added = await collect(local(add, { args: ['-'], options, inputs: inputs() })) as Array<{ Name: string, Hash: string }>
  const root = added.find(v => v.Name === 'broken')?.Hash as string
  const file = CID.parse(added.find(v => v.Name === 'broken/b.bin')?.Hash as string)
  const fileBlock = await bytes(served.node.helia.blockstore.get(file) as AsyncIterable<Uint8Array>)
  await served.node.helia.blockstore.delete(dagPb.decode(fileBlock).Links.at(-1)?.Hash as CID)

  const get = command('get')
  const call = { args: [root], options: cliOptions(get) }
  const seen: string[] = []
  const viaRpc = await t.throwsAsync(async () => {
    for await (const entry of rpc.invoke(get, call, new AbortController().signal)) {
      const { path, content } = entry as TreeEntry
      if (content != null) await bytes(content)
      seen.push(path)
    }
  })
  const inProcess = await t.throwsAsync(materialise(local(get, call)))
  t.true(inProcess instanceof BlockNotLocalError)
  t.true(viaRpc instanceof BlockNotLocalError)
  t.is(viaRpc?.message, inProcess?.message)
  t.deepEqual(seen, ['', 'a.txt'], 'the entries before the missing block arrived first')
})

test('aborting the signal (--timeout) cancels the call with the abort reason and the server keeps serving', async t => {
  const add = command('add')
  const options = cliOptions(add, { pin: false })
  const big = Buffer.alloc(8 * 1024 * 1024, 3)
  const added = await collect(local(add, { args: ['-'], options, inputs: (async function * () { yield { path: 'big.bin', content: chunks(big) } })() }))
  const cid = (added.at(-1) as { Hash: string }).Hash
  const controller = new AbortController()
  const cat = command('cat')
  const error = await t.throwsAsync(async () => {
    for await (const _ of rpc.invoke(cat, { args: [cid], options: cliOptions(cat) }, controller.signal)) {
      controller.abort(new TimeoutError('timed out after 1ms'))
    }
  })
  t.true(error instanceof TimeoutError)

  const slowUpload = new AbortController()
  setTimeout(() => slowUpload.abort(new TimeoutError('timed out after 50ms')), 50)
  const neverEnding = (async function * () {
    yield { path: 'slow.bin', content: (async function * () { while (true) { yield Buffer.alloc(64 * 1024); await new Promise(resolve => setTimeout(resolve, 5)) } })() }
  })()
  const uploadError = await t.throwsAsync(collect(rpc.invoke(add, { args: ['-'], options, inputs: neverEnding }, slowUpload.signal)))
  t.true(uploadError instanceof TimeoutError)

  const id = command('id')
  t.is((await collect(rpc.invoke(id, { args: [], options: cliOptions(id) }, new AbortController().signal))).length, 1)
})

test('a refused token and an unreachable daemon are clear errors', async t => {
  const guarded = await startRpcNode(config => {
    config.API.Authorizations = { me: { AuthSecret: 'bearer:tok', AllowedPaths: ['/api/v0'] } }
  })
  t.teardown(guarded.stop)
  const id = command('id')
  const call = { args: [], options: cliOptions(id) }
  const refused = openRpcTransport({ url: guarded.server.url })
  const err = await t.throwsAsync(collect(refused.invoke(id, call, new AbortController().signal)))
  t.true(err instanceof ForbiddenError)
  t.regex(err?.message ?? '', /CAIRN_API_AUTH/)
  await refused.close()
  const allowed = openRpcTransport({ url: guarded.server.url, authorization: 'Bearer tok' })
  t.is((await collect(allowed.invoke(id, call, new AbortController().signal))).length, 1)
  await allowed.close()

  const gone = await startRpcNode()
  const url = gone.server.url
  await gone.stop()
  const dead = openRpcTransport({ url })
  await t.throwsAsync(collect(dead.invoke(id, call, new AbortController().signal)), { instanceOf: ApiUnreachableError, message: /cannot reach the daemon's RPC API/ })
  await dead.close()
})

test('a connection already open to the daemon carries the first call, and is closed with the transport when no call used it', async t => {
  const { hostname, port } = new URL(served.server.url)
  const open = async (): Promise<Socket> => await new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) }, () => { resolve(socket) })
    socket.once('error', reject)
  })
  const id = command('id')
  const call = { args: [], options: cliOptions(id) }
  const socket = await open()
  const transport = openRpcTransport({ url: served.server.url }, socket)
  t.is((await collect(transport.invoke(id, call, new AbortController().signal))).length, 1)
  t.true(socket.bytesWritten > 0 && socket.bytesRead > 0, 'the request went over the connection given')
  t.is((await collect(transport.invoke(id, call, new AbortController().signal))).length, 1, 'later calls go on as before')
  await transport.close()
  const unused = await open()
  await openRpcTransport({ url: served.server.url }, unused).close()
  t.true(unused.destroyed)
})

test('daemonEndpoint reads <repo>/api (loopback for a wildcard address) and CAIRN_API_AUTH', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  t.is(await daemonEndpoint(dir.path, {}), undefined, 'no api file')
  await writeFile(join(dir.path, 'api'), '/ip4/127.0.0.1/tcp/5999\n')
  t.deepEqual(await daemonEndpoint(dir.path, {}), { url: 'http://127.0.0.1:5999' })
  t.deepEqual(await daemonEndpoint(dir.path, { CAIRN_API_AUTH: 'bearer:abc' }), { url: 'http://127.0.0.1:5999', authorization: 'Bearer abc' })
  t.deepEqual(await daemonEndpoint(dir.path, { CAIRN_API_AUTH: 'basic:u:p' }), { url: 'http://127.0.0.1:5999', authorization: 'Basic ' + Buffer.from('u:p').toString('base64') })
  await t.throwsAsync(daemonEndpoint(dir.path, { CAIRN_API_AUTH: 'digest:x' }), { instanceOf: UsageError })
  await writeFile(join(dir.path, 'api'), '/ip4/0.0.0.0/tcp/5998')
  t.deepEqual(await daemonEndpoint(dir.path, {}), { url: 'http://127.0.0.1:5998' })
})

test('dag export and dag import through the transport match in-process (CAR bytes out, a CAR file uploaded in)', async t => {
  const add = command('add')
  const options = cliOptions(add, { pin: false })
  const added = await collect(local(add, { args: ['-'], options, inputs: (async function * () { yield { path: 'car-me.txt', content: chunks(Buffer.from('into a CAR\n')) } })() }))
  const cid = (added.at(-1) as { Hash: string }).Hash
  const exp = command('dag', 'export')
  const expCall = { args: [cid], options: cliOptions(exp) }
  const car = await bytes(rpc.invoke(exp, expCall, new AbortController().signal))
  t.true(car.equals(await bytes(local(exp, expCall))))

  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const carPath = join(dir.path, 'one.car')
  await writeFile(carPath, car)
  const imp = command('dag', 'import')
  const impOptions = cliOptions(imp, { 'pin-roots': false, stats: true })
  const viaRpc = await collect(rpc.invoke(imp, { args: [carPath], options: impOptions, inputs: await localInputs([carPath], impOptions) }, new AbortController().signal))
  const inProcess = await collect(local(imp, { args: [carPath], options: impOptions, inputs: await localInputs([carPath], impOptions) }))
  t.deepEqual(viaRpc, inProcess)
  t.true(viaRpc.length > 0)

  await writeFile(carPath, car.subarray(0, car.length - 5))
  const truncated = await t.throwsAsync(collect(rpc.invoke(imp, { args: [carPath], options: impOptions, inputs: await localInputs([carPath], impOptions) }, new AbortController().signal)))
  const truncatedLocal = await t.throwsAsync(collect(local(imp, { args: [carPath], options: impOptions, inputs: await localInputs([carPath], impOptions) })))
  t.is(truncated?.constructor, truncatedLocal?.constructor)
  t.is(truncated?.message, truncatedLocal?.message)
})
