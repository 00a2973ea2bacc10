import test from 'ava'
import { lstat, mkdir, readdir, readFile, rm, stat, utimes, chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { openRepo } from '../../node/repo/repo.js'
import { blockFiles, blockKey } from '../../node/repo/block-files.js'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { bigFileSize, knownAnswerWorkspace, type Teardown } from '../fixtures/unixfs-trees.js'

const nestedCid = 'bafybeiacjwo75fomjvqrhlgs4mevuzxxqooqflgdetewuwr54bn5cp3qxi'
const bigCid = 'bafybeig7k5p2jqzqmyigfuswcxei5tfttnqljkfaotcf54pgvmdmkcegfm'

/** A repo with the known-answer inputs added (modern profile). */
async function setup (t: Teardown): Promise<{ repo: string, dir: string }> {
  const workspace = await knownAnswerWorkspace(t)
  await cliText(['add', '-q', '-r', 'big.bin', 'nested'], { repo: workspace.repo, cwd: workspace.dir })
  return workspace
}

test('cat streams a file, a path inside a directory, and byte ranges across chunk boundaries', async t => {
  const { repo } = await setup(t)
  t.is(await cliText(['cat', `${nestedCid}/sub/hello.txt`], { repo }), 'hello world\n')
  t.is(await cliText(['cat', `/ipfs/${nestedCid}/sub/deeper/c.txt`], { repo }), 'gamma\n')
  const big = deterministicBytes(bigFileSize)
  t.true((await runCli(['cat', bigCid], { repo })).stdout.equals(big))
  const MiB = 1024 * 1024
  const ranges: Array<[string[], number, number]> = [
    [['--offset', String(MiB - 10), '--length', '20'], MiB - 10, MiB + 10],
    [['-o', String(3 * MiB + 5), '-l', String(2 * MiB)], 3 * MiB + 5, 5 * MiB + 5],
    [['--offset', String(6 * MiB)], 6 * MiB, bigFileSize],
    [['--length', '0'], 0, 0],
    [['--offset', String(bigFileSize + 100)], bigFileSize, bigFileSize]
  ]
  for (const [flags, from, to] of ranges) {
    const result = await runCli(['cat', bigCid, ...flags], { repo })
    t.is(result.code, 0, flags.join(' '))
    t.true(result.stdout.equals(big.subarray(from, to)), flags.join(' '))
  }
  // several paths are joined, and the range runs across them (Kubo)
  const joined = Buffer.concat([Buffer.from('alpha\n'), big, Buffer.from('gamma\n')])
  const paths = [`${nestedCid}/a.txt`, bigCid, `${nestedCid}/sub/deeper/c.txt`]
  t.true((await runCli(['cat', ...paths], { repo })).stdout.equals(joined))
  t.true((await runCli(['cat', ...paths, '--offset', '3', '--length', '10'], { repo })).stdout.equals(joined.subarray(3, 13)))
  t.true((await runCli(['cat', ...paths, '--offset', String(bigFileSize + 4)], { repo })).stdout.equals(joined.subarray(bigFileSize + 4)))
  // a bad path anywhere fails before any byte is written
  const bad = await runCli(['cat', bigCid, `${nestedCid}/nope`], { repo })
  t.is(bad.code, 1)
  t.is(bad.stdout.length, 0)
})

test('cat errors: invalid CID, missing path, a directory, a negative offset', async t => {
  const { repo } = await setup(t)
  const invalid = await runCli(['cat', 'not-a-cid'], { repo })
  t.is(invalid.code, 1)
  t.is(invalid.stderr, 'Error: invalid CID "not-a-cid"\n')
  const missing = await runCli(['cat', `${nestedCid}/sub/nope.txt`], { repo })
  t.is(missing.code, 1)
  t.regex(missing.stderr, /^Error: .*nope\.txt.*\n$/)
  t.regex(missing.stderr, /no link|no such path/i)
  const directory = await runCli(['cat', `${nestedCid}/sub`], { repo })
  t.is(directory.code, 1)
  t.is(directory.stderr, `Error: /ipfs/${nestedCid}/sub: this dag node is a directory\n`)
  const negative = await runCli(['cat', bigCid, '--offset', '-1'], { repo })
  t.is(negative.code, 2)
  t.regex(negative.stderr, /--offset must be a whole number >= 0/)
})

test('cat, get and ls offline fail cleanly on a block missing from the repo', async t => {
  const { repo, dir } = await setup(t)
  // the second MiB of big.bin is a raw leaf: its CID is the hash of those bytes
  const leaf = CID.createV1(raw.code, await sha256.digest(deterministicBytes(bigFileSize).subarray(1024 * 1024, 2 * 1024 * 1024)))
  let removed = 0
  for await (const file of blockFiles(join(repo, 'blocks'))) {
    if (file.key === blockKey(leaf.multihash)) { await rm(file.path); removed++ }
  }
  t.is(removed, 1)
  const cat = await runCli(['cat', bigCid], { repo })
  t.is(cat.code, 1)
  t.regex(cat.stderr, /^Error: block not found locally and the node is offline .*start the daemon to fetch it\n$/)
  t.true(cat.stdout.length <= 1024 * 1024)
  const ranged = await runCli(['cat', bigCid, '--offset', '0', '--length', '1000'], { repo })
  t.is(ranged.code, 0, 'a range that needs only present blocks still works')
  const get = await runCli(['get', bigCid, '-o', join(dir, 'out.bin')], { repo })
  t.is(get.code, 1)
  t.regex(get.stderr, /not found locally/)
})

test('ls prints <cid> <size> <name> per entry, directories with - and a trailing /', async t => {
  const { repo } = await setup(t)
  const out = await cliText(['ls', nestedCid], { repo })
  const lines = out.trim().split('\n')
  t.is(lines.length, 2)
  t.regex(lines[0] as string, /^bafkrei\S+ 6 a\.txt$/)
  t.regex(lines[1] as string, /^bafybei\S+ - sub\/$/)
  const sub = (await cliText(['ls', `${nestedCid}/sub`], { repo })).trim().split('\n')
  t.deepEqual(sub.map(l => l.split(' ').slice(1).join(' ')), ['5 b.txt', '- deeper/', '12 hello.txt'])
  const json = (await cliText(['--json', 'ls', `${nestedCid}/sub`], { repo })).trim().split('\n').map(l => JSON.parse(l) as { Objects: Array<{ Hash: string, Links: Array<{ Name: string, Type: number, Size: number }> }> })
  t.deepEqual(json.map(o => o.Objects[0]?.Links[0]?.Type), [2, 1, 2])
  t.is(json[0]?.Objects[0]?.Hash, `${nestedCid}/sub`)
  // without --size and --resolve-type no child block is read: dag-pb children show their link Tsize
  const bare = (await cliText(['ls', '--size=false', '--resolve-type=false', nestedCid], { repo })).trim().split('\n')
  t.regex(bare[0] as string, /^bafkrei\S+ 6 a\.txt$/)
  t.regex(bare[1] as string, /^bafybei\S+ \d{3} sub$/)
  // as Kubo: a single-block file lists nothing, a chunked file its unnamed chunks
  t.is(await cliText(['ls', `${nestedCid}/a.txt`], { repo }), '')
  t.deepEqual(JSON.parse(await cliText(['--json', 'ls', `${nestedCid}/a.txt`], { repo })), { Objects: [{ Hash: `${nestedCid}/a.txt`, Links: [] }] })
  const chunks = (await cliText(['ls', bigCid], { repo })).split('\n').filter(l => l !== '')
  t.is(chunks.length, 7)
  t.true(chunks.slice(0, 6).every(l => /^bafkrei\S+ 1048576 $/.test(l)))
  t.regex(chunks[6] as string, /^bafkrei\S+ 12345 $/)
  t.is((await runCli(['ls', 'bafy-nope'], { repo })).code, 1)
})

test('get writes a file or a whole tree, named by the CID or the last path segment, or -o', async t => {
  const { repo } = await setup(t)
  const out = await tempDir()
  t.teardown(out.cleanup)
  await cliText(['get', nestedCid], { repo, cwd: out.path })
  t.is(await readFile(join(out.path, nestedCid, 'sub', 'deeper', 'c.txt'), 'utf8'), 'gamma\n')
  t.deepEqual((await readdir(join(out.path, nestedCid))).sort(), ['a.txt', 'sub'])
  await cliText(['get', `${nestedCid}/sub/hello.txt`], { repo, cwd: out.path })
  t.is(await readFile(join(out.path, 'hello.txt'), 'utf8'), 'hello world\n')
  await cliText(['get', bigCid, '-o', 'copy.bin'], { repo, cwd: out.path })
  t.true((await readFile(join(out.path, 'copy.bin'))).equals(deterministicBytes(bigFileSize)))
})

test('get restores UnixFS modes and mtimes stored with --preserve-mode --preserve-mtime', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const tree = join(dir.path, 'tree')
  await mkdir(join(tree, 'bin'), { recursive: true })
  await writeFile(join(tree, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n')
  await writeFile(join(tree, 'notes.txt'), 'private\n')
  await chmod(join(tree, 'bin', 'run.sh'), 0o750)
  await chmod(join(tree, 'notes.txt'), 0o600)
  const when = new Date('2020-02-03T04:05:06Z')
  await utimes(join(tree, 'notes.txt'), when, when)
  await utimes(join(tree, 'bin'), when, when)
  const root = (await cliText(['add', '-q', '-r', '--preserve-mode', '--preserve-mtime', 'tree'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  const plain = (await cliText(['add', '-q', '-r', '-n', 'tree'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  t.not(root, plain, 'metadata changes the CID')
  await cliText(['get', root, '-o', 'copy'], { repo, cwd: dir.path })
  const copy = join(dir.path, 'copy')
  t.is((await stat(join(copy, 'bin', 'run.sh'))).mode & 0o777, 0o750)
  t.is((await stat(join(copy, 'notes.txt'))).mode & 0o777, 0o600)
  t.is((await stat(join(copy, 'notes.txt'))).mtime.getTime(), when.getTime())
  t.is((await stat(join(copy, 'bin'))).mtime.getTime(), when.getTime())
  t.is(await readFile(join(copy, 'bin', 'run.sh'), 'utf8'), '#!/bin/sh\necho hi\n')
})

/** Puts a hand-made dag-pb directory (entries sorted by name, as dag-pb requires) and returns its CID. */
async function putDirectory (repo: string, entries: Array<{ name: string, cid: CID, size: number }>): Promise<CID> {
  const store = await openRepo(repo)
  try {
    const links = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
      .map(e => ({ Name: e.name, Hash: e.cid, Tsize: e.size }))
    const bytes = dagPb.encode({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links })
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    await store.blockstore.put(cid, bytes)
    return cid
  } finally {
    await store.close()
  }
}

test('get refuses entry names with "/", ".." or NUL and writes nothing outside the target', async t => {
  const { repo } = await setup(t)
  const hello = CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
  const out = await tempDir()
  t.teardown(out.cleanup)
  for (const name of ['..', '../escaped.txt', 'a/b', 'x\0y', '.']) {
    const root = await putDirectory(repo, [{ name: 'fine.txt', cid: hello, size: 12 }, { name, cid: hello, size: 12 }])
    const target = join(out.path, 'inner', 'target')
    await mkdir(join(out.path, 'inner'), { recursive: true })
    const result = await runCli(['get', root.toString(), '-o', target], { repo })
    t.is(result.code, 1, JSON.stringify(name))
    t.regex(result.stderr, /^Error: .*unsafe entry name .* refused\n$/, JSON.stringify(name))
    // nothing but the target folder (and what a safe name put in it) exists
    t.deepEqual(await readdir(join(out.path, 'inner')), ['target'], JSON.stringify(name))
    t.deepEqual(await readdir(out.path), ['inner'])
    await rm(join(out.path, 'inner'), { recursive: true })
  }
  // the same name twice in one directory is refused too
  const twice = await putDirectory(repo, [{ name: 'same', cid: hello, size: 12 }, { name: 'same', cid: hello, size: 12 }])
  const dup = await runCli(['get', twice.toString(), '-o', join(out.path, 'dup')], { repo })
  t.is(dup.code, 1)
  t.regex(dup.stderr, /appears twice/)
  // and a symlink planted in an existing output folder is not followed
  const dest = join(out.path, 'dest')
  await mkdir(dest)
  const { symlink } = await import('node:fs/promises')
  await symlink(join(out.path, 'outside.txt'), join(dest, 'fine.txt'))
  const safe = await putDirectory(repo, [{ name: 'fine.txt', cid: hello, size: 12 }])
  const planted = await runCli(['get', safe.toString(), '-o', dest], { repo })
  t.is(planted.code, 1)
  await t.throwsAsync(lstat(join(out.path, 'outside.txt')))
})

test('add -r stores symlinks as UnixFS symlinks without following them, and get recreates them', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const { symlink, readlink } = await import('node:fs/promises')
  await mkdir(join(dir.path, 'links'))
  await writeFile(join(dir.path, 'links', 'target.txt'), 'pointed at\n')
  await symlink('target.txt', join(dir.path, 'links', 'relative'))
  await symlink('/etc/hostname', join(dir.path, 'links', 'absolute'))
  const root = (await cliText(['add', '-q', '-r', 'links'], { repo, cwd: dir.path })).trim().split('\n').at(-1) as string
  const listing = await cliText(['--json', 'ls', root], { repo })
  const types = Object.fromEntries(listing.trim().split('\n').map(l => {
    const link = (JSON.parse(l) as { Objects: Array<{ Links: Array<{ Name: string, Type: number, Target: string }> }> }).Objects[0]?.Links[0]
    return [link?.Name, [link?.Type, link?.Target]]
  }))
  t.deepEqual(types, { absolute: [4, '/etc/hostname'], relative: [4, 'target.txt'], 'target.txt': [2, ''] })
  const cat = await runCli(['cat', `${root}/relative`], { repo })
  t.is(cat.code, 1)
  t.regex(cat.stderr, /is a symlink/)
  await cliText(['get', root, '-o', 'copy'], { repo, cwd: dir.path })
  t.is(await readlink(join(dir.path, 'copy', 'relative')), 'target.txt')
  t.is(await readlink(join(dir.path, 'copy', 'absolute')), '/etc/hostname')
  t.is(await readFile(join(dir.path, 'copy', 'relative'), 'utf8'), 'pointed at\n')
})
