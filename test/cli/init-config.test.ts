import test from 'ava'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'

test('init creates a repo whose PeerID survives and is printed by id', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const repo = join(dir.path, 'r')
  const out = await cliText(['init', '--profile', 'local'], { repo })
  const peer = /peer identity: (\S+)/.exec(out)?.[1] ?? 'no peer identity printed'
  t.truthy(peer)
  const id = JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string, PublicKey: string }
  t.is(id.ID, peer)
  t.truthy(id.PublicKey)
  const again = JSON.parse(await cliText(['id', '--json'], { repo })) as { ID: string }
  t.is(again.ID, peer)
})

test('init on an existing repo refuses without touching it', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const before = await readFile(join(repo, 'config.json'), 'utf8')
  const result = await runCli(['init'], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: a repo already exists at .*\n$/)
  t.is(await readFile(join(repo, 'config.json'), 'utf8'), before)
})

test('a command on a missing repo says how to create one', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const result = await runCli(['id'], { repo: join(dir.path, 'none') })
  t.is(result.code, 1)
  t.regex(result.stderr, /no repo at .* \(run "cairn init" to create one\)/)
})

test('config set validates against the schema and names the bad key', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const unknown = await runCli(['config', 'set', 'Foo.Bar', '1'], { repo })
  t.is(unknown.code, 1)
  t.regex(unknown.stderr, /unknown config key Foo/)
  const wrongType = await runCli(['config', 'set', 'Provide.Strategy', 'sometimes'], { repo })
  t.is(wrongType.code, 1)
  t.regex(wrongType.stderr, /Provide\.Strategy/)
  await cliText(['config', 'set', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/8081'], { repo })
  t.is((await cliText(['config', 'get', 'Addresses.Gateway'], { repo })).trim(), '/ip4/127.0.0.1/tcp/8081')
  await cliText(['config', 'set', 'Gateway.NoFetch', 'true'], { repo })
  t.is((await cliText(['config', 'get', 'Gateway.NoFetch'], { repo })).trim(), 'true')
})

test('config KEY prints a value and config KEY VALUE sets it, as Kubo: a string unless --json or --bool', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  t.is(await cliText(['config', 'Addresses.Gateway'], { repo }), '/ip4/127.0.0.1/tcp/8080\n')
  await cliText(['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/8082'], { repo })
  t.is((await cliText(['config', 'get', 'Addresses.Gateway'], { repo })).trim(), '/ip4/127.0.0.1/tcp/8082')
  // without --bool, "true" is a string, which the schema refuses for a boolean
  const asString = await runCli(['config', 'Gateway.NoFetch', 'true'], { repo })
  t.is(asString.code, 1)
  t.regex(asString.stderr, /Gateway\.NoFetch/)
  await cliText(['config', '--bool', 'Gateway.NoFetch', 'true'], { repo })
  t.is(await cliText(['config', 'Gateway.NoFetch'], { repo }), 'true\n')
  await cliText(['config', 'Addresses.Swarm', '["/ip4/127.0.0.1/tcp/4012"]', '--json'], { repo })
  t.deepEqual(JSON.parse(await cliText(['config', 'Addresses.Swarm'], { repo })), ['/ip4/127.0.0.1/tcp/4012'])
  for (const bad of [['--bool', 'Gateway.NoFetch', 'yes'], ['--json', 'Addresses.Swarm', '[oops'], ['--json', '--bool', 'Gateway.NoFetch', 'true']]) {
    const result = await runCli(['config', ...bad], { repo })
    t.is(result.code, 2, bad.join(' '))
  }
  // the subcommands still win over a key of the same name
  t.regex(await cliText(['config', 'show'], { repo }), /"Addresses"/)
})

test('config show hides the private key; local profile is loopback only', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const shown = JSON.parse(await cliText(['config', 'show'], { repo })) as { Identity: Record<string, string>, Addresses: { Swarm: string[] }, Bootstrap: string[] }
  t.is(shown.Identity.PrivKey, undefined)
  t.true(shown.Addresses.Swarm.every(a => a.startsWith('/ip4/127.0.0.1/')))
  t.deepEqual(shown.Bootstrap, [])
})

test('a hand-broken config.json is reported with the offending key', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const path = join(repo, 'config.json')
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  const { writeFile } = await import('node:fs/promises')
  await writeFile(path, JSON.stringify({ ...config, Bogus: 1 }))
  const result = await runCli(['id'], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /unknown config key Bogus/)
})

test('unknown flags and commands are usage errors (exit 2)', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  t.is((await runCli(['id', '--bogus'], { repo })).code, 2)
  t.is((await runCli(['frobnicate'], { repo })).code, 2)
  t.is((await runCli(['--timeout', 'soon', 'id'], { repo })).code, 2)
})
