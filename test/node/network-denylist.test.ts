import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cat } from '../../node/commands/cat.js'
import { dagExport } from '../../node/commands/dag.js'
import { get } from '../../node/commands/get.js'
import { pinAdd } from '../../node/commands/pin.js'
import { selfProviderRecords } from '../../node/network/provider-records.js'
import { tempDir } from '../helpers/cli.js'
import { connectNodes, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

/** Writes `<repo>/denylists/test.deny` blocking `cids` (IPIP-383 compact format). */
async function deny (node: TestNode, ...cids: CID[]): Promise<void> {
  const dir = join(node.repo, 'denylists')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'test.deny'), cids.map(c => `/ipfs/${c.toString()}\n`).join(''))
}

/** Runs a command to its end and returns the error it failed with. */
async function failure (run: () => AsyncIterable<unknown>): Promise<{ code?: string, message: string }> {
  try {
    for await (const _ of run()) { /* drain */ }
  } catch (err) {
    return err as { code?: string, message: string }
  }
  throw new Error('the command did not fail')
}

/** The links of a dag-pb root held by `node`. */
async function linksOf (node: TestNode, root: CID): Promise<CID[]> {
  const { decode } = await import('@ipld/dag-pb')
  const bytes: Uint8Array[] = []
  for await (const piece of node.node.repo.blockstore.get(root)) bytes.push(piece)
  return decode(Buffer.concat(bytes)).Links.map(l => l.Hash)
}

const hex = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')

test('a denylisted CID is never fetched: cat, get, pin add and dag export fail with ERR_BLOCKED and nothing is stored', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '30s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, reader] = nodes as [TestNode, TestNode]
  const data = randomBytes(2 * MiB + 1000)
  const root = await holder.node.fs.addBytes(data)
  await connectNodes(reader, holder)
  await deny(reader, root)
  const out = await tempDir('cairn-deny-get-')
  t.teardown(out.cleanup)
  const ctx = { node: reader.node, signal: AbortSignal.timeout(20_000) }
  const started = Date.now()
  const errors = [
    await failure(() => cat.run(ctx, { args: [root.toString()], options: {} })),
    await failure(() => get.run(ctx, { args: [root.toString()], options: { output: join(out.path, 'x') } })),
    await failure(() => pinAdd.run(ctx, { args: [root.toString()], options: {} })),
    await failure(() => dagExport.run(ctx, { args: [root.toString()], options: {} }))
  ]
  const took = Date.now() - started
  t.log(`four refusals took ${took} ms`)
  t.deepEqual(errors.map(e => e.code), ['ERR_BLOCKED', 'ERR_BLOCKED', 'ERR_BLOCKED', 'ERR_BLOCKED'], errors.map(e => e.message).join('\n'))
  t.regex(errors[0]?.message ?? '', /is blocked by a denylist/)
  t.true(took < 10_000, 'refused at once, not after a fetch timeout')
  t.false(await reader.node.repo.blockstore.has(root), 'nothing written to the blockstore')
  t.is(reader.node.network?.ledger.peer(holder.peerId).BlocksReceived, 0, 'no block came over bitswap')
  t.false(reader.node.network?.bitswapStats().Wantlist.some(w => w['/'] === root.toString()) ?? true, 'never wanted')
})

test('a rule on one block stops a read of the DAG at that block: the rest is fetched, the blocked leaf is not', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '30s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, reader] = nodes as [TestNode, TestNode]
  const root = await holder.node.fs.addBytes(randomBytes(3 * MiB))
  const leaves = await linksOf(holder, root)
  t.is(leaves.length, 3)
  const blocked = leaves[1] as CID
  await connectNodes(reader, holder)
  await deny(reader, blocked)
  const err = await failure(() => cat.run({ node: reader.node, signal: AbortSignal.timeout(20_000) }, { args: [root.toString()], options: {} }))
  t.is(err.code, 'ERR_BLOCKED')
  t.true(await reader.node.repo.blockstore.has(root))
  t.false(await reader.node.repo.blockstore.has(blocked), 'the blocked leaf never reached the blockstore')
  // the denylist is re-read when it changes: lifting the rule lets the fetch through
  await writeFile(join(reader.repo, 'denylists', 'test.deny'), '')
  await new Promise(resolve => setTimeout(resolve, 1_100))
  const chunks: Uint8Array[] = []
  for await (const c of cat.run({ node: reader.node, signal: AbortSignal.timeout(20_000) }, { args: [root.toString()], options: {} })) chunks.push(c)
  t.is(Buffer.concat(chunks).length, 3 * MiB)
})

test('a node does not serve a block its denylist blocks: the peer gets DONT_HAVE, not the bytes', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '10s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, reader] = nodes as [TestNode, TestNode]
  const cid = await holder.node.fs.addBytes(randomBytes(5000))
  await deny(holder, cid)
  await connectNodes(reader, holder)
  const started = Date.now()
  const err = await failure(() => cat.run({ node: reader.node, signal: AbortSignal.timeout(20_000) }, { args: [cid.toString()], options: {} }))
  t.log(`reader gave up after ${Date.now() - started} ms with ${err.code ?? err.message}`)
  t.is(err.code, 'ERR_NO_PROVIDERS', 'the holder answered DONT_HAVE and the DHT knows nobody')
  t.is(holder.node.network?.ledger.peer(reader.peerId).BlocksSent, 0)
  t.false(await reader.node.repo.blockstore.has(cid))
  // the holder still reads it locally: the denylist only guards the network
  t.true(await holder.node.repo.blockstore.has(cid))
})

test('a denylisted block is not announced: the provide queue skips it, the reprovide sweep leaves it out', async t => {
  const nodes = await startNodes(2)
  t.teardown(async () => { await stopNodes(nodes) })
  const [a, b] = nodes as [TestNode, TestNode]
  await connectNodes(a, b)
  const allowed = await a.node.fs.addBytes(randomBytes(1000))
  const blocked = await a.node.fs.addBytes(randomBytes(1000))
  await deny(a, blocked)
  await a.node.announce([blocked, allowed])
  const stats = await waitFor(() => {
    const s = a.node.network?.provideStats()
    return s != null && s.provided >= 1 && s.skipped >= 1 ? s : undefined
  }, 30_000)
  await a.node.network?.provideQueue.onIdle()
  t.log(`provided ${stats.provided}, skipped ${stats.skipped}`)
  const records = async (): Promise<string[]> => {
    const out: string[] = []
    for await (const { cid } of selfProviderRecords(a.node.helia.datastore, a.peerId)) out.push(hex(cid))
    return out
  }
  t.deepEqual(await records(), [hex(allowed)])

  let held = 0
  for await (const _ of a.node.repo.blockstore.getAll()) held++
  const swept = await a.node.network?.reprovider.sweep()
  t.is(swept, held - 1, 'every block but the blocked one')
})
