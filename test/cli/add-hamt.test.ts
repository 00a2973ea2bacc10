import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { openRepo } from '../../node/repo/repo.js'
import { cliText, tempDir, tempRepo } from '../helpers/cli.js'

const count = 10_000

async function rootType (repo: string, cid: string): Promise<string> {
  const store = await openRepo(repo)
  try {
    const pieces: Uint8Array[] = []
    for await (const piece of store.blockstore.get(CID.parse(cid))) pieces.push(piece)
    return UnixFS.unmarshal(dagPb.decode(Buffer.concat(pieces)).Data ?? new Uint8Array()).type
  } finally {
    await store.close()
  }
}

test('a 10,000-file directory becomes a HAMT shard that ls lists in full and cat walks into', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const big = join(dir.path, 'many')
  await mkdir(big)
  const names: string[] = []
  for (let i = 0; i < count; i++) names.push(`file-${String(i).padStart(5, '0')}.txt`)
  await Promise.all(names.map(async (name, i) => { await writeFile(join(big, name), `${i}\n`) }))
  const small = join(dir.path, 'few')
  await mkdir(small)
  await writeFile(join(small, 'a.txt'), 'a\n')

  const root = (await cliText(['add', '-q', '-r', 'many'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  const flat = (await cliText(['add', '-q', '-r', 'few'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  t.is(await rootType(repo, root), 'hamt-sharded-directory')
  t.is(await rootType(repo, flat), 'directory')

  const listed = (await cliText(['ls', root], { repo })).trim().split('\n')
  t.is(listed.length, count)
  t.deepEqual(listed.map(l => l.split(' ')[2]).sort(), names)
  const line = listed.find(l => l.endsWith(' file-01234.txt'))
  t.regex(line ?? '', /^bafkrei\S+ 5 file-01234\.txt$/)
  t.is(await cliText(['cat', `${root}/file-01234.txt`], { repo }), '1234\n')
})

test('a legacy (CIDv0) directory shards past Kubo\'s 256 KiB link-size estimate, not before', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  // Kubo's estimate per link: name bytes + CID bytes (34 for CIDv0). 44-byte names: 78 per link,
  // so 3360 links are 262080 bytes (<= 262144, stays flat) and 3361 are 262158 (shards).
  const build = async (folder: string, n: number): Promise<void> => {
    await mkdir(join(dir.path, folder))
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      await writeFile(join(dir.path, folder, `entry-${String(i).padStart(38, '0')}`), `${folder}${i}`)
    }))
  }
  await build('under', 3360)
  await build('over', 3361)
  const under = (await cliText(['add', '-q', '-r', '--cid-version', '0', 'under'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  const over = (await cliText(['add', '-q', '-r', '--cid-version', '0', 'over'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  t.is(await rootType(repo, under), 'directory')
  t.is(await rootType(repo, over), 'hamt-sharded-directory')
})
