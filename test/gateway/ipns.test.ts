import test from 'ava'
import { readFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { basename, join } from 'node:path'
import { createIPNSRecordWithExpiration, marshalIPNSRecord } from 'ipns'
import { validateConfig } from '../../config/config.js'
import { createNode, type CairnNode } from '../../node/node.js'
import { initRepo, openRepo, writeConfigFile } from '../../node/repo/repo.js'
import { repoPaths } from '../../node/repo/paths.js'
import { findCommand } from '../../node/commands/index.js'
import { startGateway, type RunningGateway } from '../../gateway/server.js'
import { fixturePath } from '../helpers/fixtures.js'
import { tempDir } from '../helpers/cli.js'
import { httpGet } from '../helpers/gateway.js'
import { startDohServer, type DohServer } from '../helpers/doh-server.js'
import type { ValuesCommand } from '../../node/commands/command.js'
import type { InspectResult } from '../../node/commands/name.js'

const fixtures = {
  v1v2: 'k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w_v1-v2.ipns-record',
  v2: 'k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f_v2.ipns-record',
  brokenV1Signature: 'k51qzi5uqu5dilgf7gorsh9vcqqq4myo6jd4zmqkuy9pxyxi5fua3uf7axph4y_v1-v2-broken-signature-v1.ipns-record',
  brokenV2Signature: 'k51qzi5uqu5diamp7qnnvs1p1gzmku3eijkeijs3418j23j077zrkok63xdm8c_v1-v2-broken-signature-v2.ipns-record',
  brokenV1Value: 'k51qzi5uqu5dlmit2tuwdvnx4sbnyqgmvbxftl0eo3f33wwtb9gr7yozae9kpw_v1-v2-broken-v1-value.ipns-record',
  v1Only: 'k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku_v1.ipns-record'
}
const nameOf = (file: string): string => file.split('_')[0] as string
const recordFile = (file: string): string => fixturePath(`ipns_records/${file}`)

let node: CairnNode
let gateway: RunningGateway
let doh: DohServer
let cleanup: () => Promise<void>
let siteCid: string

/** Runs a values command of the table in-process, as the CLI and RPC do. */
async function run (path: string[], args: string[], options: Record<string, string | boolean> = {}, file?: string): Promise<unknown[]> {
  const command = findCommand(path) as ValuesCommand
  const call = {
    args,
    options,
    ...(file != null ? { inputs: (async function * () { yield { path: basename(file), content: createReadStream(file) } })() } : {})
  }
  const out: unknown[] = []
  for await (const value of command.run({ node, signal: new AbortController().signal }, call)) out.push(value)
  return out
}

const routingPut = async (file: string, name = nameOf(file)): Promise<unknown[]> => await run(['routing', 'put'], [`/ipns/${name}`], {}, recordFile(file))

test.before(async () => {
  const dir = await tempDir('cairn-ipns-')
  const root = join(dir.path, 'repo')
  const config = await initRepo(root, 'local')
  doh = await startDohServer({
    '_dnslink.a.test': 'dnslink=/ipns/b.test',
    '_dnslink.b.test': 'dnslink=/ipns/a.test',
    'self.test': 'dnslink=/ipns/self.test',
    '_dnslink.chain.test': `dnslink=/ipns/${nameOf(fixtures.v1v2)}`
  })
  config.DNS.Resolvers = { '.': doh.url }
  await writeConfigFile(repoPaths(root).config, validateConfig(config))
  node = await createNode(await openRepo(root))
  gateway = await startGateway(node, '/ip4/127.0.0.1/tcp/0')
  cleanup = async () => {
    await gateway.close()
    await node.stop()
    await doh.close()
    await dir.cleanup()
  }
})

test.after.always(async () => { await cleanup?.() })

test.serial('conformance IPNS records loaded with routing put are served through /ipns/ and ?format=ipns-record byte for byte', async t => {
  for (const file of [fixtures.v1v2, fixtures.v2, fixtures.brokenV1Signature]) {
    await routingPut(file)
    const name = nameOf(file)
    const bytes = await readFile(recordFile(file))
    const record = await httpGet(gateway.url, `/ipns/${name}?format=ipns-record`)
    t.is(record.status, 200, file)
    t.is(record.headers['content-type'], 'application/vnd.ipfs.ipns-record')
    t.true(record.body.equals(bytes), file)
    const accepted = await httpGet(gateway.url, `/ipns/${name}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })
    t.true(accepted.body.equals(bytes))
    const content = await httpGet(gateway.url, `/ipns/${name}`)
    t.is(content.status, 200, file)
    t.is(content.headers['x-ipfs-path'], `/ipns/${name}`)
    // the fixtures' TTL is 30 min
    t.is(content.headers['cache-control'], 'public, max-age=1800')
    t.truthy(content.headers.etag)
  }
  const v1v2 = await httpGet(gateway.url, `/ipns/${nameOf(fixtures.v1v2)}`)
  t.is(v1v2.text, 'v1+v2 record')
})

test.serial('records with a broken V2 signature, a V1 value that differs from V2, or V1 only are refused and resolve to nothing', async t => {
  for (const file of [fixtures.brokenV2Signature, fixtures.brokenV1Value, fixtures.v1Only]) {
    await t.throwsAsync(routingPut(file), { code: 'ERR_INVALID_RECORD' }, file)
    const res = await httpGet(gateway.url, `/ipns/${nameOf(file)}`)
    t.is(res.status, 404, file)
  }
})

test.serial('a record put under another name, an expired record, and an older sequence never replace the held record', async t => {
  // a valid record, but for a different key
  await t.throwsAsync(routingPut(fixtures.v2, nameOf(fixtures.v1v2)), { code: 'ERR_INVALID_RECORD' })
  const key = await node.names.keystore.generate('stale-test')
  const [published] = await run(['name', 'publish'], ['/ipfs/bafkqaaa'], { key: 'stale-test', 'allow-offline': true, resolve: false }) as Array<{ Name: string }>
  const name = (published as { Name: string }).Name
  const first = await node.names.getRecord(name)
  await run(['name', 'publish'], ['/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi'], { key: 'stale-test', 'allow-offline': true, resolve: false })
  t.is((await node.names.getRecord(name)).sequence, first.sequence + 1n)
  await t.throwsAsync(node.names.put(name, first.bytes), { code: 'ERR_STALE_RECORD' })
  const expired = marshalIPNSRecord(await createIPNSRecordWithExpiration(key, '/ipfs/bafkqaaa', 99n, new Date(Date.now() - 60_000).toISOString()))
  await t.throwsAsync(node.names.put(name, expired), { code: 'ERR_INVALID_RECORD', message: /expired/ })
  t.is((await node.names.resolve(`/ipns/${name}`)).path, '/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi')
})

test.serial('DNSLink through the DNS.Resolvers DoH server: chains are followed, loops are refused', async t => {
  await routingPut(fixtures.v1v2)
  const chain = await httpGet(gateway.url, '/ipns/chain.test')
  t.is(chain.status, 200)
  t.is(chain.text, 'v1+v2 record')
  t.is(chain.headers['x-ipfs-path'], '/ipns/chain.test')
  t.true(doh.queries.includes('_dnslink.chain.test'))
  // the DoH answer's TTL (120 s) is shorter than the record's (1800 s)
  t.is(chain.headers['cache-control'], 'public, max-age=120')
  const loop = await httpGet(gateway.url, '/ipns/a.test')
  t.is(loop.status, 502)
  t.regex(loop.text, /loop/)
  await t.throwsAsync(node.names.resolve('/ipns/self.test'), { code: 'ERR_NAME_LOOP' })
  const missing = await httpGet(gateway.url, '/ipns/nothing.test')
  t.is(missing.status, 404)
})

test.serial('an invalid name is 400, and a DNSLink name has no ipns-record', async t => {
  t.is((await httpGet(gateway.url, '/ipns/not-a-key')).status, 400)
  t.is((await httpGet(gateway.url, '/ipns/chain.test?format=ipns-record')).status, 400)
})

test.serial('subdomain gateway: <key>.ipns.localhost and inlined DNSLink <a-b>.ipns.localhost', async t => {
  await routingPut(fixtures.v1v2)
  const port = new URL(gateway.url).port
  const byKey = await httpGet(gateway.url, '/', { headers: { Host: `${nameOf(fixtures.v1v2)}.ipns.localhost:${port}` } })
  t.is(byKey.status, 200)
  t.is(byKey.text, 'v1+v2 record')
  const byDomain = await httpGet(gateway.url, '/', { headers: { Host: `chain-test.ipns.localhost:${port}` } })
  t.is(byDomain.status, 200)
  t.is(byDomain.text, 'v1+v2 record')
})

test.serial('a name pointing at a directory redirects under /ipns/ and serves its files with the TTL', async t => {
  siteCid = ''
  for await (const entry of node.fs.addAll([{ path: 'site/index.html', content: new TextEncoder().encode('<p>hello</p>') }], { wrapWithDirectory: false })) {
    if (entry.path === 'site') siteCid = entry.cid.toString()
  }
  await node.names.keystore.generate('site')
  const [published] = await run(['name', 'publish'], [`/ipfs/${siteCid}`], { key: 'site', 'allow-offline': true, ttl: '1m' }) as Array<{ Name: string }>
  const name = (published as { Name: string }).Name
  const redirect = await httpGet(gateway.url, `/ipns/${name}`)
  t.is(redirect.status, 301)
  t.is(redirect.headers.location, `/ipns/${name}/`)
  const file = await httpGet(gateway.url, `/ipns/${name}/index.html`)
  t.is(file.status, 200)
  t.is(file.text, '<p>hello</p>')
  t.is(file.headers['x-ipfs-path'], `/ipns/${name}/index.html`)
  t.is(file.headers['cache-control'], 'public, max-age=60')
})

test.serial('/ipns/<name> on a subdomain gateway host redirects to <name>.ipns.<host>, a DNSLink name inlined', async t => {
  const port = new URL(gateway.url).port
  const host = { Host: `localhost:${port}` }
  const key = await httpGet(gateway.url, `/ipns/${nameOf(fixtures.v1v2)}/a/b?x=1`, { headers: host })
  t.is(key.status, 301)
  t.is(key.headers.location, `http://${nameOf(fixtures.v1v2)}.ipns.localhost:${port}/a/b?x=1`)
  const domain = await httpGet(gateway.url, '/ipns/en.wiki-pedia.test', { headers: host })
  t.is(domain.status, 301)
  t.is(domain.headers.location, `http://en-wiki--pedia-test.ipns.localhost:${port}/`)
  t.is((await httpGet(gateway.url, '/ipns/not-a-key', { headers: host })).status, 400)
})

test.serial('?format=car under /ipns/ is cached for the record TTL, not as immutable', async t => {
  await routingPut(fixtures.v1v2)
  const car = await httpGet(gateway.url, `/ipns/${nameOf(fixtures.v1v2)}?format=car`)
  t.is(car.status, 200)
  t.is(car.headers['content-type']?.split(';')[0], 'application/vnd.ipld.car')
  t.is(car.headers['cache-control'], 'public, max-age=1800')
  const raw = await httpGet(gateway.url, `/ipns/${nameOf(fixtures.v1v2)}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
  t.is(raw.headers['cache-control'], 'public, max-age=1800')
})

test.serial('name inspect checks an ed25519 record against the name its file is called after, and against --verify', async t => {
  const [named] = await run(['name', 'inspect'], [fixtures.v1v2], {}, recordFile(fixtures.v1v2)) as InspectResult[]
  t.deepEqual(named?.Validation, { Valid: true, Reason: '', Name: nameOf(fixtures.v1v2) })
  const [wrong] = await run(['name', 'inspect'], [fixtures.v1v2], { verify: nameOf(fixtures.v2) }, recordFile(fixtures.v1v2)) as InspectResult[]
  t.is(wrong?.Validation?.Valid, false)
  t.regex(wrong?.Validation?.Reason ?? '', /bad signature/)
})
