import test from 'ava'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { create } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startDaemon, waitFor } from '../helpers/nodes.js'
import { runCliInTty } from '../helpers/tty.js'

test('pin remote add --background=false from node C pins on node A\'s Pinning Service API, fetching from C', async t => {
  const a = await tempRepo()
  const c = await tempRepo()
  const work = await tempDir()
  t.teardown(async () => { await Promise.all([a.cleanup(), c.cleanup(), work.cleanup()]) })
  const daemonA = await startDaemon(a.repo)
  t.teardown(async () => { await daemonA.stop('SIGKILL') })
  const daemonC = await startDaemon(c.repo)
  t.teardown(async () => { await daemonC.stop('SIGKILL') })
  t.truthy(daemonA.pinningUrl)
  const endpoint = daemonA.pinningUrl as string

  // tokens are made on A (through its daemon) and listed without their secret
  const token = (await cliText(['pinning', 'token', 'create', '--name', 'node-c'], { repo: a.repo })).trim()
  t.regex(token, /^cairn_\S+$/)
  const tokens = await cliText(['pinning', 'token', 'ls'], { repo: a.repo })
  t.regex(tokens, /^[0-9a-f]{12} node-c \d{4}-/m)
  t.false(tokens.includes(token))

  const file = join(work.path, 'shared.bin')
  await writeFile(file, Buffer.alloc(300 * 1024).map((_, i) => (i * 13) % 251))
  const cid = /added (\S+)/.exec(await cliText(['add', file], { repo: c.repo }))?.[1] as string
  t.truthy(cid)

  await cliText(['pin', 'remote', 'service', 'add', 'node-a', endpoint, token], { repo: c.repo })
  t.is((await cliText(['pin', 'remote', 'service', 'ls'], { repo: c.repo })).trim(), `node-a\t${endpoint}`)
  // the key is kept in the config but never shown (as Kubo)
  t.false((await cliText(['config', 'show'], { repo: c.repo })).includes(token))
  t.false((await cliText(['config', 'get', 'Pinning.RemoteServices'], { repo: c.repo })).includes(token))
  t.is((await runCli(['config', 'get', 'Pinning.RemoteServices.node-a.API.Key'], { repo: c.repo })).code, 2)
  const again = await runCli(['pin', 'remote', 'service', 'add', 'node-a', endpoint, token], { repo: c.repo })
  t.is(again.code, 2)

  const added = await cliText(['pin', 'remote', 'add', '--service=node-a', '--name=shared', '--background=false', cid], { repo: c.repo })
  t.is(added, `CID:\t${cid}\nName:\tshared\nStatus:\tpinned\n`)
  // pinned on A, with the blocks fetched from C (A knew C only from the origins C sent)
  t.regex(await cliText(['pin', 'ls', '--type=recursive'], { repo: a.repo }), new RegExp(`^${cid} recursive shared$`, 'm'))
  t.regex(await cliText(['swarm', 'peers'], { repo: a.repo }), new RegExp(daemonC.peerId))

  t.is(await cliText(['pin', 'remote', 'ls', '--service=node-a'], { repo: c.repo }), `${cid}\tpinned\tshared\n`)
  t.is(await cliText(['pin', 'remote', 'ls', '--service=node-a', '--status=failed,queued'], { repo: c.repo }), '')
  t.is(await cliText(['pin', 'remote', 'ls', '--service=node-a', '--name=other'], { repo: c.repo }), '')

  // kubo-rpc-client's pin.remote against C's RPC API
  const kubo = create({ url: daemonC.apiUrl as string })
  t.deepEqual((await kubo.pin.remote.service.ls()).map(s => s.service), ['node-a'])
  const listed = []
  for await (const pin of kubo.pin.remote.ls({ service: 'node-a', cid: [CID.parse(cid)], status: ['pinned', 'queued'] })) listed.push(pin)
  t.deepEqual(listed.map(p => [p.cid.toString(), p.name, p.status]), [[cid, 'shared', 'pinned']])

  const unknown = await runCli(['pin', 'remote', 'ls', '--service=nowhere'], { repo: c.repo })
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /no remote pinning service "nowhere"/)

  // on a terminal the statuses seen while waiting are shown; --background returns at once (queued)
  const more = async (name: string): Promise<string> => {
    await writeFile(join(work.path, name), `${name} `.repeat(10_000))
    return /added (\S+)/.exec(await cliText(['add', join(work.path, name)], { repo: c.repo }))?.[1] as string
  }
  const onTty = await more('tty.txt')
  const tty = await runCliInTty(['pin', 'remote', 'add', '--service=node-a', '--name=tty', onTty], { repo: c.repo })
  t.is(tty.code, 0, tty.output)
  t.regex(tty.output, /Status: queued\r?\n(Status: pinning\r?\n)?CID:\t\S+\r?\nName:\ttty\r?\nStatus:\tpinned/)
  const later = await more('background.txt')
  t.regex(await cliText(['pin', 'remote', 'add', '--service=node-a', '--background', later], { repo: c.repo }), /^CID:\t\S+\nName:\t\nStatus:\tqueued\n$/)
  await waitFor(async () => (await cliText(['pin', 'remote', 'ls', '--service=node-a', `--cid=${later}`], { repo: c.repo })) !== '', 60_000, 500)
  const viaKubo = await more('kubo.txt')
  t.like(await kubo.pin.remote.add(CID.parse(viaKubo), { service: 'node-a', name: 'kubo' }), { name: 'kubo', status: 'pinned' })

  await cliText(['pin', 'remote', 'rm', '--service=node-a', `--cid=${cid}`], { repo: c.repo })
  t.is((await cliText(['pin', 'remote', 'ls', '--service=node-a'], { repo: c.repo })).split('\n').filter(Boolean).length, 3)
  t.false((await cliText(['pin', 'ls', '--type=recursive'], { repo: a.repo })).includes(cid))
  const bulk = await runCli(['pin', 'remote', 'rm', '--service=node-a'], { repo: c.repo })
  t.is(bulk.code, 2)
  t.regex(bulk.stderr, /3 remote pins match: add --force/)
  await cliText(['pin', 'remote', 'rm', '--service=node-a', '--force'], { repo: c.repo })
  t.is(await cliText(['pin', 'remote', 'ls', '--service=node-a'], { repo: c.repo }), '')

  // a revoked token is refused with the service's 401
  await cliText(['pinning', 'token', 'rm', 'node-c'], { repo: a.repo })
  const refused = await runCli(['pin', 'remote', 'ls', '--service=node-a'], { repo: c.repo })
  t.is(refused.code, 1)
  t.regex(refused.stderr, /answered 401: UNAUTHORIZED/)

  await cliText(['pin', 'remote', 'service', 'rm', 'node-a'], { repo: c.repo })
  t.is(await cliText(['pin', 'remote', 'service', 'ls'], { repo: c.repo }), '')
})
