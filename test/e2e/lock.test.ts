import test from 'ava'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixturePath } from '../helpers/fixtures.js'
import { cliPath, cliText, runCli, tempRepo } from '../helpers/cli.js'

const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')
const root = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'

/** Waits until the repo's lock file names `pid`. */
async function lockHeldBy (repo: string, pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const text = await readFile(join(repo, 'repo.lock'), 'utf8').catch(() => '')
    if (text.trim() === String(pid)) return
    await sleep(50)
  }
  throw new Error(`repo.lock never named pid ${pid}`)
}

test('while one CLI process holds the repo, others get ERR_REPO_LOCKED naming its pid, and nothing is harmed', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  // `dag import` reading a stdin we keep open holds the repo for as long as we like
  const holder = spawn(process.execPath, [cliPath, 'dag', 'import'], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { if (holder.exitCode == null) holder.kill('SIGKILL') })
  let holderOut = ''
  holder.stdout.on('data', (b: Buffer) => { holderOut += b.toString() })
  const exited = new Promise<number | null>(resolve => holder.on('close', code => resolve(code)))
  const pid = holder.pid as number
  await lockHeldBy(repo, pid)

  const car = await readFile(dirCar)
  holder.stdin.write(car.subarray(0, 100)) // a part of the CAR is already in flight

  const lockLine = `Error: repo is locked by another process (pid ${pid}): ${join(repo, 'repo.lock')}\n`
  for (const args of [['pin', 'ls'], ['repo', 'gc'], ['dag', 'import', dirCar], ['repo', 'stat']]) {
    const other = await runCli(args, { repo })
    t.is(other.code, 1, args.join(' '))
    t.is(other.stderr, lockLine, args.join(' '))
  }

  holder.stdin.end(car.subarray(100))
  t.is(await exited, 0)
  t.is(holderOut, `Pinned root\t${root}\tsuccess\n`)
  await t.throwsAsync(readFile(join(repo, 'repo.lock')), { code: 'ENOENT' }, 'the lock is released on exit')
  t.is(await cliText(['repo', 'verify'], { repo }), 'verify complete, all blocks validated.\n')
  t.is(await cliText(['pin', 'ls', '--type', 'recursive'], { repo }), `${root} recursive\n`)
})

test('a lock left by a dead process is taken over', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const gone = spawn(process.execPath, ['-e', ''])
  await new Promise(resolve => gone.on('close', resolve))
  await writeFile(join(repo, 'repo.lock'), `${gone.pid as number}\n`)
  t.is(await cliText(['dag', 'import', dirCar], { repo }), `Pinned root\t${root}\tsuccess\n`)
  await t.throwsAsync(readFile(join(repo, 'repo.lock')), { code: 'ENOENT' })
})
