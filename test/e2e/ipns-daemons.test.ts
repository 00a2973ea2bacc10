import test from 'ava'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { create } from 'kubo-rpc-client'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startDaemon, waitFor, type DaemonProcess } from '../helpers/nodes.js'

interface Daemon { repo: string, daemon: DaemonProcess }

async function startDaemons (count: number, t: { teardown: (fn: () => Promise<void>) => void }): Promise<Daemon[]> {
  const out: Daemon[] = []
  for (let i = 0; i < count; i++) {
    const { repo, cleanup } = await tempRepo()
    t.teardown(cleanup)
    const daemon = await startDaemon(repo)
    t.teardown(async () => { await daemon.stop('SIGKILL') })
    out.push({ repo, daemon })
  }
  return out
}

test('three daemons A-B-C: kubo-rpc-client key.gen and name.publish on A, C resolves through the DHT, fetches, and sees the next version by pubsub', async t => {
  const [a, b, c] = await startDaemons(3, t) as [Daemon, Daemon, Daemon]
  await cliText(['swarm', 'connect', b.daemon.swarm[0] as string], { repo: a.repo })
  await cliText(['swarm', 'connect', b.daemon.swarm[0] as string], { repo: c.repo })
  const clientA = create({ url: a.daemon.apiUrl as string })
  const clientC = create({ url: c.daemon.apiUrl as string })

  const key = await clientA.key.gen('site', { type: 'ed25519' })
  t.is(key.name, 'site')
  t.regex(key.id, /^k51/)
  const keys = await clientA.key.list()
  t.deepEqual(keys.map(k => k.name), ['self', 'site'])

  const dir = await tempDir()
  t.teardown(dir.cleanup)
  await writeFile(join(dir.path, 'v1.txt'), 'version one\n')
  const first = (await cliText(['add', '-q', join(dir.path, 'v1.txt')], { repo: a.repo })).trim()
  const published = await clientA.name.publish(`/ipfs/${first}`, { key: 'site' })
  t.is(published.name, key.id)
  t.is(published.value, `/ipfs/${first}`)

  const resolved: string[] = []
  for await (const path of clientC.name.resolve(key.id)) resolved.push(path)
  t.deepEqual(resolved, [`/ipfs/${first}`])
  t.is(await cliText(['cat', first], { repo: c.repo }), 'version one\n')
  t.is((await cliText(['resolve', `/ipns/${key.id}`], { repo: c.repo })).trim(), `/ipfs/${first}`)

  await writeFile(join(dir.path, 'v2.txt'), 'version two\n')
  const second = (await cliText(['add', '-q', join(dir.path, 'v2.txt')], { repo: a.repo })).trim()
  t.is((await cliText(['name', 'publish', '--key', 'site', second], { repo: a.repo })).trim(), `Published to ${key.id}: /ipfs/${second}`)
  // C holds the first record within its TTL: only a pubsub message brings the second one
  await waitFor(async () => (await cliText(['name', 'resolve', key.id], { repo: c.repo })).trim() === `/ipfs/${second}`, 5_000, 100)
  t.is(await cliText(['cat', second], { repo: c.repo }), 'version two\n')
})

test('keys through the CLI: owner-only files, export/import, rename, taken names, rm (never self)', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const id = (await cliText(['key', 'gen', 'k1'], { repo })).trim()
  t.regex(id, /^k51/)
  t.is((await stat(join(repo, 'keystore'))).mode & 0o777, 0o700)
  const [file] = (await import('node:fs')).readdirSync(join(repo, 'keystore'))
  t.is((await stat(join(repo, 'keystore', file as string))).mode & 0o777, 0o600)
  t.is((await cliText(['key', 'list', '-l'], { repo })).split('\n').filter(l => l.endsWith(' k1'))[0], `${id} k1`)

  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const exported = join(dir.path, 'k1.key')
  // as Kubo: without -o the key goes to <name>.key in the current folder, owner-only
  t.is(await cliText(['key', 'export', 'k1'], { repo, cwd: dir.path }), '')
  t.is((await stat(exported)).mode & 0o777, 0o600)
  t.true((await readFile(exported)).equals((await runCli(['key', 'export', 'k1', '-o', '-'], { repo })).stdout))
  const other = await tempRepo()
  t.teardown(other.cleanup)
  t.is((await cliText(['key', 'import', 'copy', exported], { repo: other.repo })).trim(), id)

  t.is((await cliText(['key', 'rename', 'k1', 'k2'], { repo })).trim(), `Key ${id} was renamed to "k2"`)
  const taken = await runCli(['key', 'gen', 'k2'], { repo })
  t.is(taken.code, 1)
  t.is(taken.stderr, 'Error: key with name "k2" already exists\n')
  const self = await runCli(['key', 'rm', 'self'], { repo })
  t.is(self.stderr, 'Error: cannot remove key with name "self"\n')
  t.is((await cliText(['key', 'rm', 'k2'], { repo })).trim(), 'k2')
})

test('name publish through the CLI: offline needs --allow-offline, the sequence survives a daemon restart, inspect verifies, a bad name is one line', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const id = (await cliText(['key', 'gen', 'k2'], { repo })).trim()

  const offline = await runCli(['name', 'publish', '--key', 'k2', '/ipfs/bafkqaaa'], { repo })
  t.is(offline.code, 1)
  t.regex(offline.stderr, /^Error: name publish: the node is offline.*--allow-offline.*\n$/)
  await cliText(['name', 'publish', '--allow-offline', '--key', 'k2', '/ipfs/bafkqaaa'], { repo })
  // a daemon start and stop in between: the sequence is kept in the repo
  const daemon = await startDaemon(repo)
  t.is((await cliText(['name', 'publish', '--key', 'k2', '/ipfs/bafkqaaa'], { repo })).trim(), `Published to ${id}: /ipfs/bafkqaaa`)
  await daemon.stop()
  const record = join(dir.path, 'record')
  await cliText(['routing', 'get', `/ipns/${id}`, '-o', record], { repo })
  const inspected = await cliText(['name', 'inspect', '--verify', id, record], { repo })
  t.regex(inspected, /Sequence: +1\n/)
  t.regex(inspected, /Valid: +true/)

  const bad = await runCli(['name', 'resolve', 'not-a-name'], { repo })
  t.is(bad.code, 1)
  t.is(bad.stderr.split('\n').length, 2, 'one line')
  t.regex(bad.stderr, /not a valid IPNS name/)
})
