import '../../node/polyfill.js'
import test from 'ava'
import { request } from 'node:http'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { parseContentPath } from '../../node/content/content-path.js'
import { createNode, type CairnNode } from '../../node/node.js'
import { initRepo, openRepo } from '../../node/repo/repo.js'
import { readWholeBlock } from '../../node/unixfs/whole-blocks.js'
import { catFiles } from '../../node/unixfs/cat-file.js'
import { startGateway } from '../../gateway/server.js'
import { startRpcServer } from '../../gateway/rpc/server.js'
import { runCli, tempDir } from '../helpers/cli.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { tempNode } from '../helpers/fixtures.js'
import { connectNodes, startNodes, stopNodes } from '../helpers/nodes.js'
import { blockFilePath, corruptBlockFile } from '../helpers/repo-blocks.js'
import type { CID } from 'multiformats/cid'

// Issue 9 item 3: a block whose file was changed on disk is never served as good.

const size = 4 * 1024 * 1024 + 12_345 // five 1 MiB leaves
const data = deterministicBytes(size, 9)

interface Corrupted {
  root: string
  /** The third leaf, whose file is corrupt. */
  leaf: string
  /** Where that leaf's bytes start in the file. */
  leafStart: number
  /** Puts the corrupt file back in blocks/ (a read moves it aside). */
  recorrupt: () => Promise<void>
}

/** Adds {@link data} to `node` and flips one byte of its middle leaf's file. */
async function addAndCorrupt (node: CairnNode, repo: string): Promise<Corrupted> {
  const cid = await node.fs.addBytes(data)
  const rootNode = dagPb.decode(await readWholeBlock(node.helia.blockstore, cid))
  const leaf = (rootNode.Links[2] as dagPb.PBLink).Hash.toString()
  const leafStart = UnixFS.unmarshal(rootNode.Data as Uint8Array).blockSizes.slice(0, 2).reduce((a, b) => a + Number(b), 0)
  await corruptBlockFile(repo, leaf)
  const corrupt = await readFile(blockFilePath(repo, leaf))
  return { root: cid.toString(), leaf, leafStart, recorrupt: async () => { await writeFile(blockFilePath(repo, leaf), corrupt) } }
}

/** A repo holding {@link data} with one corrupt leaf, its node stopped (for the CLI). */
async function corruptRepo (): Promise<Corrupted & { repo: string, cleanup: () => Promise<void> }> {
  const dir = await tempDir('cairn-corrupt-')
  const repo = join(dir.path, 'repo')
  await initRepo(repo, 'local')
  const node = await createNode(await openRepo(repo))
  const corrupted = await addAndCorrupt(node, repo)
  await node.stop()
  return { ...corrupted, repo, cleanup: dir.cleanup }
}

/** One HTTP exchange: the status, and whether the body ended cleanly with every byte. */
async function exchange (url: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number, body: Buffer, complete: boolean, trailers: NodeJS.Dict<string> }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const done = (complete: boolean): void => {
        const body = Buffer.concat(chunks)
        const length = res.headers['content-length']
        const trailerError = res.trailers['x-stream-error'] != null
        resolve({ status: res.statusCode ?? 0, body, trailers: res.trailers, complete: complete && !trailerError && (length == null || Number(length) === body.length) })
      }
      res.on('end', () => { done(res.complete) })
      res.on('error', () => { done(false) })
      res.on('aborted', () => { done(false) })
    })
    req.on('error', reject)
    req.end()
  })
}

test('cat, get and dag export fail with one ERR_CORRUPT_BLOCK line; the block is moved aside and repo verify lists it', async t => {
  const { repo, root, leaf, recorrupt, cleanup } = await corruptRepo()
  t.teardown(cleanup)
  const out = await tempDir()
  t.teardown(out.cleanup)
  const runs = [
    ['cat', root],
    ['get', root, '-o', join(out.path, 'got')],
    ['dag', 'export', root]
  ]
  for (const args of runs) {
    await recorrupt()
    const result = await runCli(args, { repo })
    t.not(result.code, 0, args.join(' '))
    t.regex(result.stderr, new RegExp(`^Error: block ${leaf} is corrupt on disk .*\\n$`), args.join(' '))
    t.is(result.stderr.split('\n').length, 2, 'one line')
    t.true(result.stdout.length < size, 'never the whole file')
    await t.throwsAsync(access(blockFilePath(repo, leaf)), { code: 'ENOENT' }, 'moved out of blocks/')
  }
  const verify = await runCli(['repo', 'verify'], { repo })
  t.is(verify.code, 1)
  t.regex(verify.stdout.toString() + verify.stderr, new RegExp(`block \\S+ was corrupt on read, moved aside to \\S+${'corrupt'}`))
})

test('with no read-ahead budget left every leaf is read in pieces: good files come out whole, a corrupt leaf still fails the read', async t => {
  const { repo, root, leaf, recorrupt, cleanup } = await corruptRepo()
  t.teardown(cleanup)
  // a budget of 0: no block is held whole, every raw leaf is hashed piece by piece as it is read
  t.is((await runCli(['config', 'Datastore.ReadAheadBudget', '0'], { repo })).code, 0)
  const good = deterministicBytes(3 * 1024 * 1024 + 5, 10)
  const added = await runCli(['add', '-q'], { repo, input: good })
  t.is(added.code, 0, added.stderr)
  const whole = await runCli(['cat', added.stdout.toString().trim()], { repo })
  t.is(whole.code, 0, whole.stderr)
  t.true(whole.stdout.equals(good))
  const range = await runCli(['cat', '--offset', String(1024 * 1024 - 7), '--length', '100', added.stdout.toString().trim()], { repo })
  t.true(range.stdout.equals(good.subarray(1024 * 1024 - 7, 1024 * 1024 + 93)), 'a range across two leaves')

  await recorrupt()
  const corrupt = await runCli(['cat', root], { repo })
  t.not(corrupt.code, 0)
  t.regex(corrupt.stderr, new RegExp(`^Error: block ${leaf} is corrupt on disk .*\\n$`))
  t.true(corrupt.stdout.length < size, 'never the whole file')
  await t.throwsAsync(access(blockFilePath(repo, leaf)), { code: 'ENOENT' }, 'moved out of blocks/')
})

test('Datastore.HashOnRead false serves the bytes as they are on disk', async t => {
  const { repo, root, cleanup } = await corruptRepo()
  t.teardown(cleanup)
  t.is((await runCli(['config', '--json', 'Datastore.HashOnRead', 'false'], { repo })).code, 0)
  const result = await runCli(['cat', root], { repo })
  t.is(result.code, 0, result.stderr)
  t.is(result.stdout.length, size)
  t.false(result.stdout.equals(data), 'the corrupt byte comes through when the check is off')
})

test('the gateway never answers a complete-looking 200 over a corrupt block (full, Range, raw, car)', async t => {
  const { node, repo, cleanup } = await tempNode()
  t.teardown(cleanup)
  const gateway = await startGateway(node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(async () => { await gateway.close() })
  const { root, leaf, leafStart, recorrupt } = await addAndCorrupt(node, repo)
  const single = await node.fs.addBytes(Buffer.from('one small block\n'))
  await corruptBlockFile(repo, single.toString())

  const small = await exchange(`${gateway.url}/ipfs/${single.toString()}`)
  t.is(small.status, 502, 'a corrupt single-block file: 502 before the headers')

  const cases: Array<[string, Record<string, string>]> = [
    [`/ipfs/${root}`, {}],
    [`/ipfs/${root}`, { Range: `bytes=${leafStart - 10}-${leafStart + 10}` }],
    [`/ipfs/${leaf}?format=raw`, {}],
    [`/ipfs/${root}?format=car`, {}]
  ]
  for (const [path, headers] of cases) {
    await recorrupt()
    const answer = await exchange(gateway.url + path, 'GET', headers)
    const what = `${path} ${JSON.stringify(headers)}: ${answer.status}`
    t.true(answer.status === 502 || (answer.status < 300 && !answer.complete), what)
  }
})

test('RPC cat over a corrupt block ends in an error, not a complete 200', async t => {
  const { node, repo, cleanup } = await tempNode()
  t.teardown(cleanup)
  const server = await startRpcServer(node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(async () => { await server.close() })
  const { root } = await addAndCorrupt(node, repo)
  const answer = await exchange(`${server.url}/api/v0/cat?arg=${root}`, 'POST')
  t.true(answer.body.length < size, `status ${answer.status}, ${answer.body.length} bytes`)
  if (answer.status === 200) {
    t.false(answer.complete)
    t.is(answer.trailers['x-stream-error-code'], 'ERR_CORRUPT_BLOCK', 'after the headers: Kubo\'s X-Stream-Error trailer')
  } else {
    t.is(answer.status, 500)
  }
})

test('online, a block corrupt on disk is fetched again from a peer and the read succeeds', async t => {
  t.timeout(60_000)
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [typeof nodes[0], typeof nodes[0]]
  await connectNodes(b, a)
  const cid: CID = await a.node.fs.addBytes(data)
  const read = async (): Promise<Buffer> => {
    const chunks: Uint8Array[] = []
    for await (const chunk of catFiles(b.node, [parseContentPath(cid.toString())], { signal: AbortSignal.timeout(30_000) })) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
  t.true((await read()).equals(data), 'b fetched the file from a')
  await b.node.repo.blockstore.sync() // fetched blocks are written while the read goes on
  const leaf = dagPb.decode(await readWholeBlock(b.node.helia.blockstore, cid)).Links[2]?.Hash.toString() as string
  await corruptBlockFile(b.repo, leaf)
  t.true((await read()).equals(data), 'the corrupt block came again from a')
  await b.node.repo.blockstore.sync()
  const again = await readFile(blockFilePath(b.repo, leaf))
  t.true(again.length > 0, 'a good copy is back in b\'s blocks/')
  await access(join(b.repo, 'corrupt'))
  const verify = []
  for await (const v of (await import('../../node/repo/verify.js')).movedAsideBlocks(join(b.repo, 'corrupt'), join(b.repo, 'blocks'))) verify.push(v)
  t.is(verify.length, 1)
  t.true(verify[0]?.restored)
})
