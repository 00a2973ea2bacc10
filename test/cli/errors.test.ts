import test from 'ava'
import { join } from 'node:path'
import { fixturePath } from '../helpers/fixtures.js'
import { acquireLock } from '../../node/repo/lock.js'
import { cliText, runCli, tempRepo, type CliResult } from '../helpers/cli.js'

const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')
const root = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const absent = 'bafkreiaovfcinf44ijwunnzkbxy63zkjmoyeh4syjfdlt3e7qcukvyxlya'

/** One line on stderr, no stack trace, the given exit code. */
function oneLineError (t: { is: (a: unknown, b: unknown, m?: string) => void, regex: (s: string, r: RegExp, m?: string) => void, notRegex: (s: string, r: RegExp, m?: string) => void }, result: CliResult, code: number, message: RegExp, label: string): void {
  t.is(result.code, code, `${label}: exit code`)
  t.regex(result.stderr, /^[^\n]+\n$/, `${label}: one line`)
  t.notRegex(result.stderr, /\bat .+:\d+:\d+/, `${label}: no stack trace`)
  t.regex(result.stderr, message, label)
}

test('an invalid CID is one line, exit 1, in every command that takes one', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const cases: Array<[string[], string]> = [
    [['pin', 'add', 'notacid'], 'notacid'],
    [['pin', 'rm', 'Qmnope'], 'Qmnope'],
    [['pin', 'ls', 'bafyxyz'], 'bafyxyz'],
    [['pin', 'update', 'x', root], 'x'],
    [['dag', 'export', 'zzz'], 'zzz'],
    [['cat', 'notacid'], 'notacid'],
    [['ls', 'notacid'], 'notacid']
  ]
  for (const [args, bad] of cases) {
    oneLineError(t, await runCli(args, { repo }), 1, new RegExp(`^Error: invalid CID "${bad}"`), args.join(' '))
  }
})

test('a path that is not in the DAG, and a block that is not local offline, are one line, exit 1', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  await cliText(['dag', 'import', dirCar], { repo })
  for (const args of [['cat', `${root}/no-such-file`], ['ls', `${root}/no-such-dir`], ['get', `${root}/nope`]]) {
    oneLineError(t, await runCli(args, { repo }), 1, /^Error: .*(no-such|nope)/, args.join(' '))
  }
  for (const args of [['cat', absent], ['pin', 'add', absent], ['dag', 'export', absent], ['ls', absent]]) {
    oneLineError(t, await runCli(args, { repo }), 1, /^Error: block not found locally and the node is offline/, args.join(' '))
  }
})

test('unknown flags and missing arguments are usage errors: one line, exit 2', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  for (const args of [['pin', 'add', '--bogus', root], ['repo', 'gc', '--frobnicate'], ['dag', 'import', '--pin-rootz=false', dirCar], ['pin', 'rm'], ['dag', 'export']]) {
    oneLineError(t, await runCli(args, { repo }), 2, /^error: (unknown option|missing required argument)/, args.join(' '))
  }
})

test('a missing input file is one line, exit 1, and changes nothing', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const missing = join(repo, 'no-such.car')
  oneLineError(t, await runCli(['dag', 'import', dirCar, missing], { repo }), 1, /^Error: .*no-such\.car: no such file or directory\n$/, 'dag import')
  oneLineError(t, await runCli(['add', join(repo, 'no-such-file')], { repo }), 1, /^Error: .*no-such-file: no such file or directory\n$/, 'add')
  t.is(await cliText(['pin', 'ls'], { repo }), '')
  t.regex(await cliText(['repo', 'stat'], { repo }), /NumObjects: 0\n/)
})

test('a repo locked by a live process is one line naming its pid, exit 1, for every command', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  // this test process holds the OS lock (a pid in the file alone is not a lock)
  const held = await acquireLock(join(repo, 'repo.lock'))
  t.teardown(async () => { await held.release() })
  for (const args of [['pin', 'ls'], ['repo', 'stat'], ['repo', 'gc'], ['dag', 'import', dirCar], ['cat', root], ['id']]) {
    oneLineError(t, await runCli(args, { repo }), 1, new RegExp(`^Error: repo is locked by another process \\(pid ${process.pid}\\)`), args.join(' '))
  }
})

test('--debug prints the stack trace that is otherwise hidden', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const plain = await runCli(['pin', 'add', 'notacid'], { repo })
  t.is(plain.stderr, 'Error: invalid CID "notacid"\n')
  const debug = await runCli(['--debug', 'pin', 'add', 'notacid'], { repo })
  t.is(debug.code, 1)
  t.regex(debug.stderr, /^Error: InvalidCidError: invalid CID "notacid"\n/)
  t.regex(debug.stderr, /\n\s+at .+:\d+:\d+/)
})
