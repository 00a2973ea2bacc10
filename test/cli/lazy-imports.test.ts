import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cliText, tempRepo } from '../helpers/cli.js'

/** The modules a script loads, by a loader hook in the child that prints each URL. */
function modulesLoadedBy (script: string): string[] {
  const hook = `data:text/javascript,${encodeURIComponent("export async function load (url, ctx, next) { process._rawDebug('LOADED ' + url); return next(url, ctx) }")}`
  const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)})`)}`
  const run = spawnSync(process.execPath, ['--import', register, '--input-type=module', '-e', script], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(run.stderr)
  return run.stderr.split('\n').filter(l => l.startsWith('LOADED ')).map(l => l.slice('LOADED '.length))
}

const dist = (path: string): string => fileURLToPath(new URL(`../../dist/${path}`, import.meta.url))

test('the command table and the CLI program load no node, store, schema or UnixFS code (each command imports its own when it runs)', t => {
  const loaded = modulesLoadedBy(`await import(${JSON.stringify(dist('node/commands/index.js'))}); await import(${JSON.stringify(dist('cli/program.js'))})`)
  t.true(loaded.length > 10, 'the hook saw the modules')
  const heavy = loaded.filter(url => /node_modules\/(helia|@helia|libp2p|@libp2p|ipfs-unixfs|ipfs-unixfs-exporter|zod|blockstore-fs)\//.test(url))
  t.deepEqual(heavy, [])
})

test('a CLI call finding a daemon (lock probe, RPC transport) loads no native lock addon and no ES import of node:http', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-probe-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const lock = join(dir, 'repo.lock')
  // another process holds the lock, as a daemon would
  const holder = spawn(process.execPath, ['--input-type=module', '-e', `const { acquireLock } = await import(${JSON.stringify(dist('node/repo/lock.js'))}); await acquireLock(${JSON.stringify(lock)}); console.log('held'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { holder.kill() })
  await once(holder.stdout, 'data')
  const loaded = modulesLoadedBy(`const { lockHolderAlive } = await import(${JSON.stringify(dist('node/repo/lock.js'))}); await import(${JSON.stringify(dist('cli/connect.js'))}); if (!(await lockHolderAlive(${JSON.stringify(lock)}))) throw new Error('lock not seen')`)
  t.deepEqual(loaded.filter(url => url.includes('fs-native-extensions') || url === 'node:http' || url === 'node:crypto'), [])
})

test('offline, `add -n` opens no node: it loads no Helia, libp2p node or store, and gives the CID the CLI gives', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const expected = (await cliText(['add', '-n', '-q', '-'], { repo, input: 'only hashed' })).trim()
  const loaded = modulesLoadedBy(`
    const { openLocalTransport } = await import(${JSON.stringify(dist('cli/local-transport.js'))})
    const { add } = await import(${JSON.stringify(dist('node/commands/add.js'))})
    const transport = await openLocalTransport(${JSON.stringify(repo)})
    const inputs = (async function * () { yield { path: '', content: (async function * () { yield new TextEncoder().encode('only hashed') })() } })()
    const values = []
    for await (const value of transport.invoke(add, { args: [], options: { 'only-hash': true }, inputs }, new AbortController().signal)) values.push(value)
    await transport.close()
    if (values.at(-1)?.Hash !== ${JSON.stringify(expected)}) throw new Error('unexpected CID: ' + JSON.stringify(values))
  `)
  t.true(loaded.some(url => url.includes('ipfs-unixfs-importer')), 'the importer ran')
  const heavy = loaded.filter(url => /node_modules\/(helia|@helia|libp2p|@libp2p\/(tcp|yamux|kad-dht|bitswap)|@chainsafe|blockstore-fs|classic-level|datastore-level)\//.test(url))
  t.deepEqual(heavy, [])
})
