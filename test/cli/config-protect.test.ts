import test from 'ava'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { startRpcNode } from '../helpers/rpc.js'

test('config refuses every write under Identity (CLI and RPC), and the identity survives', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const before = await readFile(join(repo, 'config.json'), 'utf8')
  const id = JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string }
  const attempts = [
    ['config', 'Identity.PrivKey', 'xxx'],
    ['config', 'set', 'Identity.PrivKey', 'xxx'],
    ['config', 'set', 'Identity.PeerID', '12D3KooWAbc'],
    ['config', 'set', 'Identity', '{"PeerID":"a","PrivKey":"b"}']
  ]
  for (const args of attempts) {
    const result = await runCli(args, { repo })
    t.is(result.code, 1, args.join(' '))
    t.regex(result.stderr, /^Error: config key Identity(\.\w+)? cannot be changed with "config": the node identity is set by "init"\n$/, args.join(' '))
  }
  t.is(await readFile(join(repo, 'config.json'), 'utf8'), before, 'nothing was written')
  t.is((JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string }).ID, id.ID)
})

test('config writes that would leave the repo unopenable are refused before anything is saved', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const before = await readFile(join(repo, 'config.json'), 'utf8')
  const bad: Array<[string[], RegExp]> = [
    [['config', 'set', 'Addresses.API', 'not-an-address'], /^Error: config key Addresses\.API: invalid TCP multiaddr "not-an-address"/],
    [['config', 'Addresses.Gateway', '/ip4/127.0.0.1/udp/8080'], /^Error: config key Addresses\.Gateway: invalid TCP multiaddr/],
    [['config', 'set', '__proto__.polluted', '1'], /^Error: invalid config key "__proto__\.polluted"/]
  ]
  for (const [args, message] of bad) {
    const result = await runCli(args, { repo })
    t.is(result.code, 1, args.join(' '))
    t.regex(result.stderr, message, args.join(' '))
  }
  t.is(await readFile(join(repo, 'config.json'), 'utf8'), before)
  t.is((await runCli(['repo', 'stat'], { repo })).code, 0, 'the repo still opens')
})

test('RPC /api/v0/config refuses Identity keys with a 400 and keeps the key', async t => {
  const node = await startRpcNode()
  t.teardown(async () => { await node.stop() })
  const before = node.node.config.Identity
  for (const key of ['Identity.PrivKey', 'Identity.PeerID']) {
    const res = await node.post('config', [['arg', key], ['arg', 'xxx']])
    t.is(res.status, 400, key)
    const body = await res.json() as { Message: string, CairnCode: string }
    t.is(body.CairnCode, 'ERR_INVALID_CONFIG')
    t.is(body.Message, `config key ${key} cannot be changed with "config": the node identity is set by "init"`)
  }
  t.deepEqual(node.node.config.Identity, before)
  const onDisk = JSON.parse(await readFile(join(node.repo, 'config.json'), 'utf8')) as { Identity: unknown }
  t.deepEqual(onDisk.Identity, before)
  t.is((await node.post('id')).status, 200)
})
