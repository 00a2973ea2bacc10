import test from 'ava'
import { lstat, mkdir, readdir, realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { UnixFS } from 'ipfs-unixfs'
import { writeTree } from '../../cli/tree-writer.js'
import { importCar } from '../../node/car/car-import.js'
import { repoVerify } from '../../node/commands/repo.js'
import { isCairnError } from '../../node/errors.js'
import { catFiles } from '../../node/unixfs/cat-file.js'
import { exportTree } from '../../node/unixfs/export-tree.js'
import { listDirectory } from '../../node/unixfs/list-directory.js'
import { tempDir } from '../helpers/cli.js'
import { startTestGateway } from '../helpers/gateway.js'
import { carBytes, codecBlock, hamtDirectory, lyingFile, pbBlock, type TestBlock, type TestDag } from '../helpers/hostile-dags.js'
import type { CID } from 'multiformats/cid'

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = 0x5eed9
/** Cases are generated until this many have run or the budget is spent, whichever comes first. */
const MAX_CASES = 400
const BUDGET_MS = 35_000
/** Longest any one operation may take before it counts as a hang. */
const OP_TIMEOUT_MS = 10_000

type Random = () => number
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
const int = (random: Random, below: number): number => Math.floor(random() * below)

/** Flips, overwrites, cuts, inserts or duplicates bytes. */
function mutateBytes (random: Random, input: Uint8Array): Uint8Array {
  const bytes = Buffer.from(input)
  if (bytes.length === 0) return Buffer.from([int(random, 256)])
  const at = int(random, bytes.length)
  switch (int(random, 5)) {
    case 0:
      bytes[at] = (bytes[at] as number) ^ (1 << int(random, 8))
      return bytes
    case 1:
      for (let i = 0; i < 1 + int(random, 8) && at + i < bytes.length; i++) bytes[at + i] = pick(random, [0x00, 0xff, 0x7f, 0x80, int(random, 256)])
      return bytes
    case 2:
      return bytes.subarray(0, at)
    case 3:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(random, 16) }, () => int(random, 256))), bytes.subarray(at)])
    default: {
      const length = 1 + int(random, Math.min(64, bytes.length - at))
      return Buffer.concat([bytes.subarray(0, at + length), bytes.subarray(at, at + length), bytes.subarray(at + length)])
    }
  }
}

/** A dag-pb UnixFS node with random fields, linking to random blocks of the pool. */
async function randomNode (random: Random, pool: TestBlock[]): Promise<TestBlock> {
  const type = pick(random, ['file', 'directory', 'hamt-sharded-directory', 'raw', 'symlink', 'metadata'] as const)
  const links = Array.from({ length: int(random, 5) }, () => {
    const target = pick(random, pool)
    const name = pick(random, ['a', 'FFb', '00', '..', 'x/y', '', 'ZZ', '7Fname', String.fromCharCode(int(random, 0x80))])
    return { Name: name, Hash: target.cid, Tsize: int(random, 1 << 20) }
  })
  const unixfs = new UnixFS({
    type,
    ...(random() < 0.5 ? { data: Buffer.from(Array.from({ length: int(random, 40) }, () => int(random, 256))) } : {}),
    ...(type === 'hamt-sharded-directory' ? { fanout: pick(random, [0n, 1n, 3n, 16n, 256n, 2n ** 32n]), hashType: pick(random, [0x22n, 0x12n]) } : {}),
    ...(random() < 0.3 ? { mode: int(random, 0o10000) } : {})
  })
  if (type === 'file') for (let i = 0; i < links.length; i++) unixfs.addBlockSize(BigInt(int(random, 64)))
  return await pbBlock({ Data: unixfs.marshal(), Links: links })
}

/** A case: a CAR to import (maybe broken) and the roots to read after it. */
interface Case { label: string, car: Uint8Array, roots: CID[] }

async function makeCase (random: Random, bases: TestDag[]): Promise<Case> {
  const base = pick(random, bases)
  const kind = int(random, 3)
  if (kind === 0) {
    // a valid CAR, mutated as bytes
    return { label: 'mutated CAR bytes', car: mutateBytes(random, await carBytes([base.root], base.blocks)), roots: [base.root] }
  }
  if (kind === 1) {
    // one block's bytes mutated and re-hashed (so the CAR is sound), made the root
    const victim = pick(random, base.blocks)
    const bytes = mutateBytes(random, victim.bytes)
    const mutated = await codecBlock(victim.cid.code, bytes)
    return { label: 'mutated block', car: await carBytes([mutated.cid], [mutated, ...base.blocks]), roots: [mutated.cid] }
  }
  const node = await randomNode(random, base.blocks)
  return { label: 'random UnixFS node', car: await carBytes([node.cid], [node, ...base.blocks]), roots: [node.cid] }
}

/** Runs `op`; a hang past the timeout or an error that is not Cairn's is a failure. */
async function attempt (what: string, op: (signal: AbortSignal) => Promise<unknown>): Promise<string | undefined> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<string>(resolve => { timer = setTimeout(() => { controller.abort(); resolve(`${what}: no answer after ${OP_TIMEOUT_MS} ms`) }, OP_TIMEOUT_MS) })
  const run = op(controller.signal).then(() => undefined, (err: unknown) => isCairnError(err) ? undefined : `${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  try {
    return await Promise.race([run, hang])
  } finally {
    clearTimeout(timer)
  }
}

async function drain (source: AsyncIterable<unknown>): Promise<void> {
  for await (const item of source) {
    if (item != null && typeof item === 'object' && 'content' in item && item.content != null) await drain(item.content as AsyncIterable<unknown>)
  }
}

/** Every path under `dir` that is not a directory, resolved, must stay under it. */
async function escapes (dir: string): Promise<string[]> {
  const out: string[] = []
  const root = await realpath(dir)
  const walk = async (at: string): Promise<void> => {
    for (const name of await readdir(at)) {
      const path = join(at, name)
      const info = await lstat(path)
      if (info.isDirectory()) await walk(path)
      else if (!info.isSymbolicLink() && !(await realpath(path)).startsWith(root + sep)) out.push(path)
    }
  }
  await walk(dir)
  return out
}

test('fuzz: mutated CARs and UnixFS blocks never crash, hang, escape the output folder or leave the repo unsound', async t => {
  const gw = await startTestGateway()
  t.teardown(gw.cleanup)
  const dir = await tempDir('cairn-fuzz-')
  t.teardown(dir.cleanup)
  const outRoot = join(dir.path, 'out')
  await mkdir(outRoot)
  const random = prng(SEED)
  const bases: TestDag[] = [await hamtDirectory(), await lyingFile('none'), await lyingFile('short-leaf')]
  const failures: string[] = []
  const started = performance.now()
  let cases = 0
  for (; cases < MAX_CASES && performance.now() - started < BUDGET_MS; cases++) {
    const c = await makeCase(random, bases)
    const where = `seed ${SEED} case ${cases} (${c.label})`
    const note = (problem: string | undefined): void => { if (problem != null) failures.push(`${where}: ${problem}`) }
    note(await attempt('dag import', async signal => await importCar(gw.node, (async function * () { yield c.car })(), { signal })))
    for (const root of c.roots) {
      const path = { root, segments: [] }
      note(await attempt('cat', async signal => { await drain(catFiles(gw.node, [path], { signal })) }))
      note(await attempt('ls', async signal => { await drain(listDirectory(gw.node, path, { signal })) }))
      note(await attempt('get', async signal => {
        await writeTree(exportTree(gw.node, path, { signal }), { args: [root.toString()], options: { output: join(outRoot, String(cases)) } })
      }))
      for (const [url, headers] of [[`/ipfs/${root.toString()}`, {}], [`/ipfs/${root.toString()}/`, {}], [`/ipfs/${root.toString()}`, { Range: 'bytes=3-9' }]] as const) {
        note(await attempt(`GET ${url}`, async signal => {
          const res = await gw.get(url, headers)
          await res.arrayBuffer().catch(() => {}) // a cut body is an allowed answer
          if (res.status === 500) throw new Error('gateway answered 500')
          signal.throwIfAborted()
        }))
      }
    }
  }
  t.log(`${cases} cases in ${Math.round(performance.now() - started)} ms`)
  t.deepEqual(failures, [])
  t.deepEqual(await readdir(dir.path), ['out'])
  t.deepEqual(await escapes(outRoot), [])
  const verified = []
  for await (const value of repoVerify.run({ node: gw.node, signal: AbortSignal.timeout(60_000) }, { args: [], options: {} })) verified.push(value)
  t.is(verified.at(-1)?.Msg, 'verify complete, all blocks validated.')
})
