import test from 'ava'
import { spawn } from 'node:child_process'
import { get } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cliPath, cliText, tempDir, tempRepo } from '../helpers/cli.js'
import { deterministicBytes } from '../helpers/deterministic-data.js'
import { startDaemon, waitFor, type DaemonProcess } from '../helpers/nodes.js'

// Issue 9 item 8: reads cut off by their client must close every file handle they opened
// (Node warns `Closing file descriptor N on garbage collection`, DEP0137, and a future
// Node throws there).

const gcHelper = fileURLToPath(new URL('../helpers/gc-on-signal.mjs', import.meta.url))
const rounds = 8

/** `cairn cat` through the daemon, its stdout closed after the first chunk (`| head -c 10`). */
async function cutCliCat (repo: string, cid: string): Promise<void> {
  const child = spawn(process.execPath, [cliPath, 'cat', cid], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.once('data', () => { child.stdout.destroy() })
  await new Promise(resolve => child.on('close', resolve))
}

/** RPC `cat`, aborted by the client after the first chunk. */
async function cutRpcCat (api: string, cid: string): Promise<void> {
  const controller = new AbortController()
  const res = await fetch(`${api}/api/v0/cat?arg=${cid}`, { method: 'POST', signal: controller.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  controller.abort()
  await reader.read().catch(() => {})
}

/** A gateway download whose socket is closed after the first chunk. */
async function cutGatewayGet (gateway: string, cid: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = get(`${gateway}/ipfs/${cid}`, { agent: false }, res => {
      res.once('data', () => { req.destroy() })
      res.on('close', resolve)
    })
    req.on('error', err => { if (req.destroyed) resolve(); else reject(err) })
  })
}

/** Forces GC in the daemon (see gc-on-signal.mjs) and waits until it is done. */
async function collectGarbage (daemon: DaemonProcess): Promise<void> {
  const before = daemon.stderr().split('gc done').length
  process.kill(daemon.pid, 'SIGUSR2')
  await waitFor(() => daemon.stderr().split('gc done').length > before, 10_000, 20)
}

test('cat cut off by its client (CLI through a daemon, RPC, gateway) leaves no file handle for GC to close', async t => {
  t.timeout(180_000)
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const work = await tempDir()
  t.teardown(work.cleanup)
  const file = join(work.path, 'big.bin')
  await writeFile(file, deterministicBytes(20 * 1024 * 1024, 8))
  const cid = /added (\S+)/.exec(await cliText(['add', file], { repo }))?.[1] as string

  const daemon = await startDaemon(repo, { execArgv: ['--expose-gc', '--trace-warnings', '--import', gcHelper] })
  t.teardown(async () => { await daemon.stop() })
  for (let i = 0; i < rounds; i++) {
    await cutCliCat(repo, cid)
    await cutRpcCat(daemon.apiUrl ?? '', cid)
    await cutGatewayGet(daemon.gatewayUrl ?? '', cid)
  }
  // the daemon still answers a whole read, and its cut-off reads have settled
  t.is((await cliText(['cat', cid, '--length', '10'], { repo })).length, 10)
  await collectGarbage(daemon)
  await collectGarbage(daemon)
  const stderr = daemon.stderr()
  t.false(stderr.includes('Closing file descriptor'), stderr)
  t.false(stderr.includes('DEP0137'), stderr)
})
