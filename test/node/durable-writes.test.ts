import test from 'ava'
import { dirname } from 'node:path'
import { readFile } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { blockFiles } from '../../node/repo/block-files.js'
import { fixturePath } from '../helpers/fixtures.js'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { multipart, startRpcNode, type RpcTestNode } from '../helpers/rpc.js'

/** A LevelDB write of a pin record or the datastore's sync, as the node made it. */
interface DatastoreWrite {
  key: string
  sync: boolean
  /** Block files written and not yet fsynced when the write was made. */
  unsynced: number
}

/** Records the pin writes and synced writes the node makes to LevelDB. */
function watchDatastore (rpc: RpcTestNode): DatastoreWrite[] {
  const writes: DatastoreWrite[] = []
  const db = rpc.node.repo.datastore.db
  const put = db.put.bind(db) as (key: string, value: Uint8Array, options?: { sync?: boolean }) => Promise<void>
  Object.assign(db, {
    put: async (key: string, value: Uint8Array, options?: { sync?: boolean }) => {
      if (key.startsWith('/pin/') || options?.sync === true) {
        writes.push({ key, sync: options?.sync === true, unsynced: rpc.node.repo.blockstore.syncCounts().unsynced })
      }
      await put(key, value, options)
    }
  })
  return writes
}

/** The block files in the repo and the folders holding them. */
async function onDisk (rpc: RpcTestNode): Promise<{ files: number, dirs: number }> {
  const dirs = new Set<string>()
  let files = 0
  for await (const file of blockFiles(rpc.node.repo.paths.blocks)) {
    files++
    dirs.add(dirname(file.path))
  }
  return { files, dirs: dirs.size }
}

/**
 * POSTs and reads the NDJSON answer as it streams, noting the sync counters at the moment
 * the last line (the root, which add reports once committed) arrives.
 */
async function postAndWatch (rpc: RpcTestNode, path: string, query: Array<[string, string]>, parts: Array<{ name: string, content?: string | Buffer }>): Promise<{ lines: string[], atLastLine: ReturnType<RpcTestNode['node']['repo']['blockstore']['syncCounts']> }> {
  const { body, type } = multipart(parts)
  const res = await rpc.post(path, query, { body, headers: { 'content-type': type } })
  if (res.status !== 200 || res.body == null) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  let text = ''
  let atLastLine = rpc.node.repo.blockstore.syncCounts()
  for await (const chunk of res.body) {
    text += Buffer.from(chunk).toString()
    atLastLine = rpc.node.repo.blockstore.syncCounts()
  }
  return { lines: text.trim().split('\n'), atLastLine }
}

/** 50 small files of different bytes and one of 3 MiB (three 1 MiB leaves and a root). */
function tree (): Array<{ name: string, content?: string | Buffer }> {
  const big = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i)
  return [
    { name: 'd' },
    ...Array.from({ length: 50 }, (_, i) => ({ name: `d/f${i}.txt`, content: `file ${i}\n` })),
    { name: 'd/big.bin', content: big }
  ]
}

test('with Datastore.Sync, add over RPC reports its root only once every block file and folder it wrote is fsynced, and its pin written with a synced write after that', async t => {
  const rpc = await startRpcNode()
  t.teardown(async () => await rpc.stop())
  const writes = watchDatastore(rpc)
  const { lines, atLastLine } = await postAndWatch(rpc, 'add', [['recursive', 'true']], tree())
  const root = JSON.parse(lines.at(-1) ?? '{}') as { Name: string, Hash: string }
  t.is(root.Name, 'd')

  const disk = await onDisk(rpc)
  t.true(disk.files >= 50 + 4 + 1, 'the files, the big one\'s leaves and root, the directory')
  // when the root arrived: nothing left unsynced, every block file synced, and its folder and blocks/
  t.deepEqual(atLastLine, { files: disk.files, dirs: disk.dirs + 1, unsynced: 0 })

  const pins = writes.filter(w => w.key.startsWith('/pin/'))
  t.is(pins.length, 1)
  t.is(pins[0]?.unsynced, 0, 'the blocks were on disk before the pin was written')
  const pinAt = writes.indexOf(pins[0] as DatastoreWrite)
  t.true(writes.slice(pinAt + 1).some(w => w.sync), 'a synced write followed the pin')
  t.true(await rpc.node.helia.pins.isPinned(CID.parse(root.Hash)))
})

test('with Datastore.Sync, dag import and block put over RPC sync what they wrote before answering', async t => {
  const rpc = await startRpcNode()
  t.teardown(async () => await rpc.stop())
  const writes = watchDatastore(rpc)
  const car = await readFile(fixturePath('path_gateway_unixfs/dir-with-files.car'))
  const imported = await postAndWatch(rpc, 'dag/import', [], [{ name: 'dir.car', content: car }])
  t.regex(imported.lines[0] ?? '', /"Root"/)
  const afterImport = await onDisk(rpc)
  t.deepEqual(imported.atLastLine, { files: afterImport.files, dirs: afterImport.dirs + 1, unsynced: 0 })
  t.true(writes.some(w => w.key.startsWith('/pin/') && w.unsynced === 0))

  const bytes = Buffer.from('one block, unpinned\n')
  const put = await postAndWatch(rpc, 'block/put', [], [{ name: 'b', content: bytes }])
  t.is((JSON.parse(put.lines[0] ?? '{}') as { Key: string }).Key, CID.createV1(0x55, await sha256.digest(bytes)).toString())
  t.is(put.atLastLine.files, afterImport.files + 1)
  t.is(put.atLastLine.unsynced, 0)
})

test('Datastore.Sync false makes add fsync nothing and write its pin without sync', async t => {
  const rpc = await startRpcNode(config => { config.Datastore.Sync = false })
  t.teardown(async () => await rpc.stop())
  const writes = watchDatastore(rpc)
  const { lines, atLastLine } = await postAndWatch(rpc, 'add', [['recursive', 'true']], tree())
  t.is((JSON.parse(lines.at(-1) ?? '{}') as { Name: string }).Name, 'd')
  t.deepEqual(atLastLine, { files: 0, dirs: 0, unsynced: 0 })
  t.is(writes.filter(w => w.key.startsWith('/pin/')).length, 1)
  t.false(writes.some(w => w.sync))
})

test('cairn config takes Datastore.Sync as a boolean only, and add works with it off', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  t.is((await cliText(['config', 'Datastore.Sync'], { repo })).trim(), 'true')
  const bad = await runCli(['config', '--json', 'Datastore.Sync', '"yes"'], { repo })
  t.is(bad.code, 1)
  t.regex(bad.stderr, /Datastore\.Sync/)
  t.is((await runCli(['config', '--json', 'Datastore.Sync', 'false'], { repo })).code, 0)
  const cid = (await cliText(['add', '-q', '-'], { repo, input: 'unsynced\n' })).trim()
  t.is(await cliText(['cat', cid], { repo }), 'unsynced\n')
})
