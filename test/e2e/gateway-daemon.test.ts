import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, tempDir, tempRepo } from '../helpers/cli.js'
import { httpGet } from '../helpers/gateway.js'
import { startDaemon } from '../helpers/nodes.js'

test('cairn daemon serves the gateway: files, listings, ranges, subdomains and denylists', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const work = await tempDir()
  t.teardown(work.cleanup)
  await mkdir(join(work.path, 'site'))
  await writeFile(join(work.path, 'site', 'hello.txt'), 'hello from the daemon\n')
  await writeFile(join(work.path, 'site', 'secret.txt'), 'not for the public\n')

  const daemon = await startDaemon(repo)
  t.teardown(async () => { await daemon.stop() })
  const url = daemon.gatewayUrl
  if (url == null) throw new Error(`the daemon printed no gateway address:\n${daemon.stdout()}`)

  // added through the daemon's RPC API, served by its gateway
  const added = await cliText(['add', '-r', join(work.path, 'site')], { repo })
  const root = /added (\S+) site\n$/.exec(added)?.[1] as string
  t.truthy(root)

  const file = await httpGet(url, `/ipfs/${root}/hello.txt`)
  t.is(file.status, 200)
  t.is(file.text, 'hello from the daemon\n')
  t.is(file.headers['cache-control'], 'public, max-age=29030400, immutable')
  t.is(file.headers['content-type'], 'text/plain; charset=utf-8')

  const ranged = await httpGet(url, `/ipfs/${root}/hello.txt`, { headers: { Range: 'bytes=0-4' } })
  t.is(ranged.status, 206)
  t.is(ranged.text, 'hello')

  t.is((await httpGet(url, `/ipfs/${root}`)).status, 301)
  const listing = await httpGet(url, `/ipfs/${root}/`)
  t.is(listing.status, 200)
  t.true(listing.text.includes('<a href="./hello.txt">hello.txt</a>'))

  const port = new URL(url).port
  const redirect = await httpGet(url, `/ipfs/${root}/hello.txt`, { headers: { Host: `localhost:${port}` } })
  t.is(redirect.status, 301)
  t.is(redirect.headers.location, `http://${root}.ipfs.localhost:${port}/hello.txt`)
  const sub = await httpGet(url, '/hello.txt', { headers: { Host: `${root}.ipfs.localhost:${port}` } })
  t.is(sub.text, 'hello from the daemon\n')

  t.is((await httpGet(url, `/ipfs/${root}/hello.txt`, { method: 'POST' })).status, 405)
  t.is((await httpGet(url, '/ipfs/not-a-cid')).status, 400)

  // a denylist dropped into the running daemon's repo takes effect
  await mkdir(join(repo, 'denylists'), { recursive: true })
  await writeFile(join(repo, 'denylists', 'ops.deny'), `/ipfs/${root}/secret.txt gateway_status:451\n`)
  let status = 0
  for (let i = 0; i < 30 && status !== 451; i++) {
    await new Promise(resolve => setTimeout(resolve, 200))
    status = (await httpGet(url, `/ipfs/${root}/secret.txt`)).status
  }
  t.is(status, 451)
  t.is((await httpGet(url, `/ipfs/${root}/hello.txt`)).status, 200)
})
