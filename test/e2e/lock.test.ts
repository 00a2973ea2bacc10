import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixturePath } from '../helpers/fixtures.js'
import { cliPath, cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'

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

test('a lock file naming a live process that does not hold the lock (pid 1, or our own pid) never blocks, even beside a stale api file', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  for (const pid of [1, process.pid]) {
    await writeFile(join(repo, 'repo.lock'), `${pid}\n`)
    const result = await runCli(['pin', 'ls'], { repo })
    t.is(result.code, 0, `pid ${pid}: ${result.stderr}`)
  }
  // and with the `api` file of a daemon that crashed: nothing listens on its port
  const closed = createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise(resolve => closed.close(resolve))
  await writeFile(join(repo, 'repo.lock'), '1\n')
  await writeFile(join(repo, 'api'), `/ip4/127.0.0.1/tcp/${port}\n`)
  const stale = await runCli(['pin', 'ls'], { repo })
  t.is(stale.code, 0, `a stale api file: ${stale.stderr}`)
  await t.throwsAsync(readFile(join(repo, 'api')), { code: 'ENOENT' }, 'opening the repo removed it')

  await writeFile(join(repo, 'repo.lock'), '1\n')
  const { acquireLock } = await import('../../node/repo/lock.js')
  const held = await acquireLock(join(repo, 'repo.lock'))
  t.is((await readFile(join(repo, 'repo.lock'), 'utf8')).trim(), String(process.pid))
  await t.throwsAsync(acquireLock(join(repo, 'repo.lock')), { code: 'ERR_REPO_LOCKED', message: /already open in this process/ }, 'a second open in one process is refused too')
  await held.release()
})

const lockPath = fileURLToPath(new URL('../../dist/node/repo/lock.js', import.meta.url))
/** A process that tries the lock once: prints won (then holds it until its stdin ends) or lost. */
const contender = `import(${JSON.stringify(lockPath)}).then(async ({ acquireLock }) => {
  let lock
  try { lock = await acquireLock(process.argv[1]) } catch (err) { process.stdout.write(err.code === 'ERR_REPO_LOCKED' ? 'lost\\n' : 'error ' + err.message + '\\n'); return }
  process.stdout.write('won\\n')
  process.stdin.resume()
  process.stdin.on('end', () => { lock.release().then(() => process.exit(0)) })
})`

test('4 processes racing for a stale lock: exactly one holds it, every time', async t => {
  const { path: dir, cleanup } = await tempDir()
  t.teardown(cleanup)
  const path = join(dir, 'repo.lock')
  const gone = spawn(process.execPath, ['-e', ''])
  await new Promise(resolve => gone.on('close', resolve))
  for (let trial = 0; trial < 8; trial++) {
    await writeFile(path, `${gone.pid as number}\n`) // left by a process that died
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', contender, path], { stdio: ['pipe', 'pipe', 'inherit'] }))
    const answers = await Promise.all(children.map(async child => {
      const [line] = await once(child.stdout, 'data') as [Buffer]
      return line.toString().trim()
    }))
    t.deepEqual([...answers].sort(), ['lost', 'lost', 'lost', 'won'], `trial ${trial}`)
    for (const child of children) child.stdin.end()
    await Promise.all(children.map(async child => { if (child.exitCode == null) await once(child, 'close') }))
  }
})

test('a daemon that finds the lock held by a short CLI command waits for it instead of exiting', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const env = { ...process.env, CAIRN_PATH: repo, CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0', CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' }
  const holder = spawn(process.execPath, [cliPath, 'dag', 'import'], { env, stdio: ['pipe', 'ignore', 'ignore'] })
  t.teardown(() => { if (holder.exitCode == null) holder.kill('SIGKILL') })
  await lockHeldBy(repo, holder.pid as number)
  const daemon = spawn(process.execPath, [cliPath, 'daemon'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (daemon.exitCode == null) daemon.kill('SIGKILL') })
  let out = ''
  let changed: () => void = () => {}
  const onData = (b: Buffer): void => { out += b.toString(); changed() }
  daemon.stdout.on('data', onData)
  daemon.stderr.on('data', onData)
  const closed = once(daemon, 'close')
  const seen = async (text: string): Promise<void> => {
    while (!out.includes(text)) {
      const more = new Promise<void>(resolve => { changed = resolve })
      if (await Promise.race([more.then(() => false), closed.then(() => true)])) throw new Error(`daemon exited before "${text}": ${out}`)
    }
  }
  await seen(`Waiting for the repo lock held by pid ${holder.pid as number}...`)
  holder.stdin.end(await readFile(dirCar))
  await seen('Daemon is ready')
  t.is((await runCli(['pin', 'ls', '--type', 'recursive'], { repo })).stdout.toString(), `${root} recursive\n`, 'the CLI now goes through the daemon')
  daemon.kill('SIGINT')
  await closed
})
