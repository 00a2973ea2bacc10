import test from 'ava'
import { execFileSync, spawn } from 'node:child_process'
import { chmod, mkdir, open, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliPath, cliText, repoAndFolder, runCli, tempRepo } from '../helpers/cli.js'

test('get masks setuid, setgid and sticky bits from the DAG unless --special-bits', async t => {
  const { repo, dir: folder } = await repoAndFolder(t)
  const tree = join(folder, 'tree')
  await mkdir(tree)
  await writeFile(join(tree, 'tool'), '#!/bin/sh\n')
  await chmod(join(tree, 'tool'), 0o6777)
  await chmod(tree, 0o1777)
  t.is((await stat(join(tree, 'tool'))).mode & 0o7777, 0o6777, 'the input really has the bits')
  const root = (await cliText(['add', '-q', '-r', '--preserve-mode', tree], { repo })).trim().split('\n').at(-1) as string

  const plain = join(folder, 'plain')
  await cliText(['get', root, '-o', plain], { repo })
  t.is((await stat(join(plain, 'tool'))).mode & 0o7777, 0o777)
  t.is((await stat(plain)).mode & 0o7777, 0o777)

  const asked = join(folder, 'asked')
  await cliText(['get', root, '-o', asked, '--special-bits'], { repo })
  t.is((await stat(join(asked, 'tool'))).mode & 0o7777, 0o6777)
  t.is((await stat(asked)).mode & 0o7777, 0o1777)
})

test('add -r skips a fifo and a non-UTF-8 name inside a directory, saying which and why; a fifo argument is a clear error', async t => {
  const { repo, dir: folder } = await repoAndFolder(t)
  const tree = join(folder, 'tree')
  await mkdir(tree)
  await writeFile(join(tree, 'a.txt'), 'kept\n')
  await writeFile(Buffer.concat([Buffer.from(join(tree, 'bad-')), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'latin-1 name\n')
  execFileSync('mkfifo', [join(tree, 'pipe')])

  const result = await runCli(['add', '-r', tree], { repo })
  t.is(result.code, 0, result.stderr)
  t.true(result.stderr.includes(`skipped ${join(tree, 'pipe')}: is a fifo; only files, directories and symlinks can be added\n`), result.stderr)
  t.regex(result.stderr, /skipped .*tree\/bad-.*\.txt: its name is not valid UTF-8 \(UnixFS names are UTF-8\)\n/)
  const root = result.stdout.toString().trim().split('\n').at(-1)?.split(' ')[1] as string
  t.regex(await cliText(['ls', root], { repo }), /^\S+ 5 a\.txt\n$/)

  const fifo = await runCli(['add', join(tree, 'pipe')], { repo })
  t.is(fifo.code, 1)
  t.is(fifo.stderr, `Error: ${join(tree, 'pipe')}: is a fifo; only files, directories and symlinks can be added\n`)
})

test('a full disk is one line saying "disk full" and naming the path', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const cid = (await cliText(['add', '-q', '-'], { repo, input: Buffer.alloc(300_000, 7) })).trim()
  // /dev/full answers every write with ENOSPC
  const got = await runCli(['get', cid, '-o', '/dev/full'], { repo })
  t.is(got.code, 1)
  t.is(got.stderr, 'Error: disk full: no space left on device writing /dev/full\n')
  const full = await open('/dev/full', 'w')
  t.teardown(async () => { await full.close() })
  const cat = spawn(process.execPath, [cliPath, 'cat', cid], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['ignore', full.fd, 'pipe'] })
  let stderr = ''
  cat.stderr?.on('data', (b: Buffer) => { stderr += b.toString() })
  t.is(await new Promise(resolve => cat.on('close', resolve)), 1)
  t.is(stderr, 'Error: disk full: no space left on device writing standard output\n')
})
