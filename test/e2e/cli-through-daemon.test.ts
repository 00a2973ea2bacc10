import test from 'ava'
import { spawn } from 'node:child_process'
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliPath, cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startDaemon } from '../helpers/nodes.js'

/** A small tree to add: a text file, a nested multi-block file. */
async function makeTree (root: string): Promise<void> {
  await mkdir(join(root, 'docs', 'deep'), { recursive: true })
  await writeFile(join(root, 'docs', 'readme.txt'), 'through the daemon\n')
  await writeFile(join(root, 'docs', 'deep', 'blob.bin'), Buffer.alloc(1536 * 1024).map((_, i) => (i * 7) % 256))
}

async function listTree (root: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const rel = join(entry.parentPath, entry.name).slice(root.length + 1)
    out.push(entry.isFile() ? `${rel} ${(await readFile(join(root, rel))).toString('base64').length}` : `${rel}/`)
  }
  return out.sort()
}

test('while a daemon holds the repo, id/add/cat/ls/get/pin ls go through its RPC API with the offline output', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const work = await tempDir()
  t.teardown(work.cleanup)
  await makeTree(work.path)
  const docs = join(work.path, 'docs')

  // offline first: the CLI opens the repo itself
  const offline = {
    id: JSON.parse(await cliText(['id', '--json'], { repo })) as Record<string, unknown>,
    add: await cliText(['add', '-r', docs], { repo }),
    addJson: await cliText(['add', '-r', '--json', '--cid-version', '0', docs], { repo }),
    stdin: await cliText(['add', '--pin=false'], { repo, input: 'piped in\n' }),
    // stdin redirected from a file, its first MiB read by a shell's earlier command
    stdinFile: await cliText(['add', '--pin=false'], { repo, stdinFile: join(work.path, 'docs', 'deep', 'blob.bin'), stdinOffset: 1024 * 1024 })
  }
  const root = /added (\S+) docs\n$/.exec(offline.add)?.[1] as string
  t.truthy(root)
  const offlineRead = {
    cat: await cliText(['cat', `${root}/readme.txt`], { repo }),
    catRange: await cliText(['cat', `${root}/deep/blob.bin`, '--offset', '1048570', '--length', '20'], { repo }),
    ls: await cliText(['ls', root], { repo }),
    pins: await cliText(['pin', 'ls'], { repo })
  }
  await cliText(['get', root, '-o', join(work.path, 'offline-get')], { repo })

  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop() })
  t.is(await readFile(join(repo, 'api'), 'utf8').then(s => s.trim()), daemon.api ?? 'no API address printed')

  // the same commands now reach the daemon (opening the repo would fail: the daemon holds the lock)
  const online = JSON.parse(await cliText(['id', '--json'], { repo })) as Record<string, unknown>
  const fromApi = await (await fetch(`${daemon.apiUrl ?? ''}/api/v0/id`, { method: 'POST' })).json() as Record<string, unknown>
  t.deepEqual(online, fromApi, 'cairn id prints what the daemon\'s API answers')
  t.deepEqual(Object.keys(online), ['ID', 'PublicKey', 'Addresses', 'AgentVersion', 'Protocols'])
  t.is(online.ID, offline.id.ID)
  t.is(online.PublicKey, offline.id.PublicKey)
  t.true((online.Addresses as string[]).length > 0, 'online, the daemon has listen addresses')

  t.is(await cliText(['add', '-r', docs], { repo }), offline.add)
  t.is(await cliText(['add', '-r', '--json', '--cid-version', '0', docs], { repo }), offline.addJson)
  t.is(await cliText(['add', '--pin=false'], { repo, input: 'piped in\n' }), offline.stdin)
  t.is(await cliText(['add', '--pin=false'], { repo, stdinFile: join(work.path, 'docs', 'deep', 'blob.bin'), stdinOffset: 1024 * 1024 }), offline.stdinFile)
  t.is(offline.stdinFile, await cliText(['add', '--pin=false'], { repo, input: (await readFile(join(work.path, 'docs', 'deep', 'blob.bin'))).subarray(1024 * 1024) }), 'the rest of the file, as through a pipe')
  t.is(await cliText(['cat', `${root}/readme.txt`], { repo }), offlineRead.cat)
  t.is(await cliText(['cat', `${root}/deep/blob.bin`, '--offset', '1048570', '--length', '20'], { repo }), offlineRead.catRange)
  t.is(await cliText(['ls', root], { repo }), offlineRead.ls)
  t.is(await cliText(['pin', 'ls'], { repo }), offlineRead.pins)
  await cliText(['get', root, '-o', join(work.path, 'online-get')], { repo })
  t.deepEqual(await listTree(join(work.path, 'online-get')), await listTree(join(work.path, 'offline-get')))
  t.deepEqual(await listTree(join(work.path, 'online-get')), await listTree(docs))

  // errors keep their offline wording and exit codes
  const bad = await runCli(['cat', 'not-a-cid'], { repo })
  t.is(bad.code, 1)
  t.is(bad.stderr, 'Error: invalid CID "not-a-cid"\n')
  const usage = await runCli(['config', 'get', 'Identity.PrivKey'], { repo })
  t.is(usage.code, 2)

  const stopped = await daemon.stop()
  t.is(stopped.code, 0)
  await t.throwsAsync(access(join(repo, 'api')), undefined, 'the daemon removed its api file')
  t.is(await cliText(['pin', 'ls'], { repo }), offlineRead.pins, 'offline again after the daemon stopped')
})

test('--timeout through the daemon aborts the call with the timeout error', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop() })
  // a CID nobody has: the online daemon would search for it until the timeout
  const missing = 'bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom'
  const started = Date.now()
  const result = await runCli(['--timeout', '1s', 'cat', missing], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /timed out after 1s/)
  t.true(Date.now() - started < 10_000)
  t.regex(await cliText(['id', '--json'], { repo }), /"ID"/, 'the daemon keeps serving')
})

test('with API.Authorizations the CLI needs CAIRN_API_AUTH or --api-auth to use the daemon', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  await cliText(['config', 'set', 'API.Authorizations', '{"cli":{"AuthSecret":"bearer:let-me-in","AllowedPaths":["/api/v0"]}}'], { repo })
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop() })
  const refused = await runCli(['id'], { repo })
  t.is(refused.code, 1)
  t.regex(refused.stderr, /Access Denied.*CAIRN_API_AUTH/)
  const wrong = await runCli(['id'], { repo, env: { CAIRN_API_AUTH: 'bearer:nope' } })
  t.is(wrong.code, 1)
  const allowed = await cliText(['id', '--json'], { repo, env: { CAIRN_API_AUTH: 'bearer:let-me-in' } })
  t.is((JSON.parse(allowed) as { ID: string }).ID, daemon.peerId)
  const flagged = await cliText(['--api-auth', 'bearer:let-me-in', 'id', '--json'], { repo, env: { CAIRN_API_AUTH: 'bearer:nope' } })
  t.is((JSON.parse(flagged) as { ID: string }).ID, daemon.peerId, '--api-auth wins over the environment')
})

test('a cairn add killed midway through its upload to the daemon leaves no pin, and the daemon keeps serving', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop() })
  const pinsBefore = await cliText(['pin', 'ls', '--type', 'recursive'], { repo })

  const child = spawn(process.execPath, [cliPath, 'add', '--pin=true'], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.on('error', () => {})
  const exited = new Promise(resolve => child.on('exit', resolve))
  const chunk = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < 24; i++) {
    chunk.fill(i)
    if (!child.stdin.write(chunk)) await new Promise(resolve => child.stdin.once('drain', resolve))
  }
  await new Promise(resolve => setTimeout(resolve, 500))
  child.kill('SIGKILL')
  await exited

  t.regex(await cliText(['id', '--json'], { repo }), /"ID"/, 'the daemon keeps serving')
  t.is(await cliText(['pin', 'ls', '--type', 'recursive'], { repo }), pinsBefore, 'no pin for the cut-off upload')
  const after = await cliText(['add', '-q'], { repo, input: 'after the cut\n' })
  t.regex(after, /^baf\S+\n$/)
})
