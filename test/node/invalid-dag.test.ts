import test from 'ava'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidDagError } from '../../node/errors.js'
import { catFiles } from '../../node/unixfs/cat-file.js'
import { exportTree } from '../../node/unixfs/export-tree.js'
import { listDirectory } from '../../node/unixfs/list-directory.js'
import { runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { UnixFS } from 'ipfs-unixfs'
import { carBytes, hamtDirectory, lyingFile, pbBlock, rawBlock, type FileLie, type HamtClaims, type TestDag } from '../helpers/hostile-dags.js'
import type { CID } from 'multiformats/cid'

let gw: TestGateway

test.before(async () => {
  gw = await startTestGateway()
})

test.after.always(async () => {
  await gw?.cleanup()
})

async function store (dag: TestDag): Promise<CID> {
  for (const block of dag.blocks) await gw.node.repo.blockstore.put(block.cid, block.bytes)
  return dag.root
}

async function drain (source: AsyncIterable<unknown>): Promise<number> {
  let count = 0
  for await (const item of source) count += item instanceof Uint8Array ? item.byteLength : 1
  return count
}

async function catText (root: CID, segments: string[] = []): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const part of catFiles(gw.node, [{ root, segments }])) parts.push(part)
  return Buffer.concat(parts).toString()
}

/** A get of the whole tree, reading every file's bytes. */
async function getAll (root: CID): Promise<number> {
  let bytes = 0
  for await (const entry of exportTree(gw.node, { root, segments: [] })) if (entry.content != null) bytes += await drain(entry.content)
  return bytes
}

test('a valid HAMT directory lists, cats and serves its entry (the control)', async t => {
  const dag = await hamtDirectory()
  const root = await store(dag)
  const names = []
  for await (const link of listDirectory(gw.node, { root, segments: [] })) names.push(link.Name)
  t.deepEqual(names, ['file'])
  t.is(await catText(root, ['file']), 'inside a HAMT\n')
  const res = await gw.get(`/ipfs/${root.toString()}/file`)
  t.is(res.status, 200)
  t.is(await res.text(), 'inside a HAMT\n')
})

const badHamts: Array<[string, HamtClaims]> = [
  ['fanout 0', { fanout: 0n }],
  ['fanout 1', { fanout: 1n }],
  ['fanout 3', { fanout: 3n }],
  ['fanout 2^32', { fanout: 2n ** 32n }],
  ['hash type sha2-256 (0x12)', { hashType: 0x12n }]
]

for (const [what, claims] of badHamts) {
  test(`a HAMT directory with ${what} is ERR_INVALID_DAG for ls, cat and get of a path through it, and 502 on the gateway`, async t => {
    const root = await store(await hamtDirectory(claims))
    await t.throwsAsync(drain(listDirectory(gw.node, { root, segments: [] })), { instanceOf: InvalidDagError, message: /invalid DAG: .*HAMT directory/ })
    await t.throwsAsync(catText(root, ['file']), { instanceOf: InvalidDagError })
    await t.throwsAsync(getAll(root), { instanceOf: InvalidDagError })
    for (const path of [`/ipfs/${root.toString()}/file`, `/ipfs/${root.toString()}/`]) {
      const res = await gw.get(path)
      t.is(res.status, 502, path)
      t.regex(await res.text(), /^502 invalid DAG: /)
    }
  })
}

test('a file whose blocks tell the truth cats whole (the control)', async t => {
  const dag = await lyingFile('none')
  const root = await store(dag)
  t.is(await catText(root), Buffer.from(dag.content).toString())
  const res = await gw.get(`/ipfs/${root.toString()}`, { Range: 'bytes=6-19' })
  t.is(res.status, 206)
  t.is(await res.text(), 'world, again!\n')
})

const lies: FileLie[] = ['filesize', 'short-leaf', 'long-leaf']

for (const lie of lies) {
  test(`a file with a ${lie} lie is ERR_INVALID_DAG for cat and get, never a short read`, async t => {
    const root = await store(await lyingFile(lie))
    await t.throwsAsync(catText(root), { instanceOf: InvalidDagError, message: /^invalid DAG: / })
    await t.throwsAsync(getAll(root), { instanceOf: InvalidDagError })
  })
}

test('the gateway answers 502 before the headers for a file whose root lies about its size', async t => {
  const root = await store(await lyingFile('filesize'))
  for (const headers of [{}, { Range: 'bytes=0-5' }]) {
    const res = await gw.get(`/ipfs/${root.toString()}`, headers)
    t.is(res.status, 502)
    t.regex(await res.text(), /^502 invalid DAG: /)
  }
})

test('the gateway never completes a response for a file with a short or long leaf: 502 when the range starts in it, else a cut body', async t => {
  for (const lie of ['short-leaf', 'long-leaf'] as const) {
    const root = await store(await lyingFile(lie))
    const ranged = await gw.get(`/ipfs/${root.toString()}`, { Range: 'bytes=6-19' })
    t.is(ranged.status, 502, lie)
    t.regex(await ranged.text(), /^502 invalid DAG: /)
    // the first leaf is sent before the bad one is read: the body is cut, not completed
    const full = await gw.get(`/ipfs/${root.toString()}`)
    if (full.status === 200) {
      await t.throwsAsync(full.arrayBuffer(), undefined, lie)
    } else {
      t.is(full.status, 502, lie)
    }
  }
})

test('the CLI: cat of a file with a short leaf and ls of a fanout-3 HAMT fail with one line and exit 1', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const file = await lyingFile('short-leaf')
  const hamt = await hamtDirectory({ fanout: 3n })
  const car = join(dir.path, 'bad.car')
  await writeFile(car, await carBytes([file.root, hamt.root], [...file.blocks, ...hamt.blocks]))
  t.is((await runCli(['dag', 'import', '--pin-roots=false', car], { repo })).code, 0)
  const cat = await runCli(['cat', file.root.toString()], { repo })
  t.is(cat.code, 1)
  t.regex(cat.stderr, /^Error: invalid DAG: [^\n]*\n$/)
  const ls = await runCli(['ls', hamt.root.toString()], { repo })
  t.is(ls.code, 1)
  t.regex(ls.stderr, /^Error: invalid DAG: [^\n]*HAMT directory with fanout 3[^\n]*\n$/)
})

test('a symlink with an empty target, and a HAMT sub-shard link to a raw block, are ERR_INVALID_DAG', async t => {
  const symlink = await pbBlock({ Data: new UnixFS({ type: 'symlink' }).marshal(), Links: [] })
  await gw.node.repo.blockstore.put(symlink.cid, symlink.bytes)
  await t.throwsAsync(getAll(symlink.cid), { instanceOf: InvalidDagError, message: /symlink with an empty target/ })
  const leaf = await rawBlock(new TextEncoder().encode('not a shard'))
  const shard = new UnixFS({ type: 'hamt-sharded-directory', data: new Uint8Array([1]), fanout: 256n, hashType: 0x22n })
  const root = await pbBlock({ Data: shard.marshal(), Links: [{ Name: '00', Hash: leaf.cid, Tsize: leaf.bytes.byteLength }] })
  await store({ root: root.cid, blocks: [root, leaf] })
  await t.throwsAsync(drain(listDirectory(gw.node, { root: root.cid, segments: [] })), { instanceOf: InvalidDagError, message: /sub-shard/ })
})
