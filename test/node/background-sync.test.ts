import test from 'ava'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { SyncingBlockstore } from '../../node/repo/syncing-blockstore.js'

const MiB = 1024 * 1024

async function syncingStore (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ blocks: SyncingBlockstore, blocksDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'cairn-background-sync-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  const blocksDir = join(root, 'blocks')
  const blocks = new SyncingBlockstore(blocksDir, { sync: true, hashOnRead: true, corruptDir: join(root, 'corrupt') })
  await blocks.open()
  return { blocks, blocksDir }
}

async function putBlocks (blocks: SyncingBlockstore, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(size)
    await blocks.put(CID.createV1(raw.code, await sha256.digest(bytes)), bytes)
  }
}

/** Waits (at most 10 s) until `ready` holds. */
async function until (ready: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < 10_000 && !ready(); waited += 20) await sleep(20)
  return ready()
}

test('past 64 MiB of unsynced block files a sync starts in the background, before the write ends; folders wait for the sync asked, once each', async t => {
  const { blocks, blocksDir } = await syncingStore(t)
  await putBlocks(blocks, 66, MiB)
  t.true(await until(() => blocks.syncCounts().files >= 64), `${blocks.syncCounts().files} files synced with no sync asked`)
  t.is(blocks.syncCounts().dirs, 0)
  await putBlocks(blocks, 66, MiB)
  t.true(await until(() => blocks.syncCounts().files >= 128))
  t.is(blocks.syncCounts().dirs, 0)
  await blocks.sync()
  t.is(blocks.syncCounts().files, 132)
  t.is(blocks.syncCounts().unsynced, 0)
  // every shard folder and the blocks folder itself
  t.is(blocks.syncCounts().dirs, (await readdir(blocksDir)).length + 1)
})

test('small block files are not synced before the write ends (one sync of them all)', async t => {
  const { blocks } = await syncingStore(t)
  await putBlocks(blocks, 200, 1024)
  await sleep(200)
  t.is(blocks.syncCounts().files, 0)
  t.is(blocks.syncCounts().unsynced, 200)
  await blocks.sync()
  t.is(blocks.syncCounts().files, 200)
})
