import '../node/polyfill.js'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import express from 'express'
import { diskRates, rateOf, sha256Rate, type Rate } from './ceilings.js'
import { patternStream } from './data.js'
import { listeningOn, runCairn, startCairnServer } from './cli-runner.js'
import { download } from './http-download.js'
import { loopbackTcpRate } from './loopback.js'
import type { AddressInfo } from 'node:net'

const MiB = 1024 * 1024
const size = Number(process.env.BENCH_MIB ?? 512) * MiB
const fetchSize = Math.min(size, 64 * MiB)

const fmt = (r: Rate): string => `${r.mibPerSec.toFixed(0).padStart(6)} MiB/s`

function line (name: string, figure: Rate, ceilingName: string, ceiling: Rate): void {
  const pct = (100 * figure.mibPerSec / ceiling.mibPerSec).toFixed(0)
  console.log(`${name.padEnd(40)} ${fmt(figure)}   vs ${ceilingName.padEnd(20)} ${fmt(ceiling)}  (${pct}%)`)
}

function expectBytes (got: number, want: number, what: string): void {
  if (got !== want) throw new Error(`${what} returned ${got} bytes, expected ${want}`)
}

/** add, add --only-hash and cat through the CLI, against SHA-256 and disk. */
async function benchLocal (dir: string, env: Record<string, string>, sha: Rate, diskRead: Rate): Promise<string> {
  let cid = ''
  const add = await rateOf(size, async () => {
    cid = (await runCairn(['add', '-q', '--pin=false'], env, patternStream(size))).trim()
  })
  line('cairn add (stdin, modern profile)', add, 'sha256', sha)
  const onlyHash = await rateOf(size, async () => { await runCairn(['add', '-q', '-n'], env, patternStream(size)) })
  line('cairn add --only-hash', onlyHash, 'sha256', sha)
  let seen = 0
  const cat = await rateOf(size, async () => { await runCairn(['cat', cid], env, undefined, b => { seen += b.length }) })
  expectBytes(seen, size, 'cat')
  line('cairn cat', cat, 'disk read', diskRead)
  return cid
}

/** The gateway (`cairn gateway --offline`) against express.static serving the same bytes from a plain file. */
async function benchGateway (dir: string, env: Record<string, string>, cid: string): Promise<void> {
  const plain = join(dir, 'static', 'plain.bin')
  await mkdir(join(dir, 'static'))
  await pipeline(patternStream(size), createWriteStream(plain))
  const app = express()
  app.use(express.static(join(dir, 'static')))
  const server = app.listen(0, '127.0.0.1')
  await new Promise(resolve => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  let staticBytes = 0
  const staticRate = await rateOf(size, async () => { staticBytes = await download(`http://127.0.0.1:${port}/plain.bin`) })
  server.close()
  expectBytes(staticBytes, size, 'static server')

  const gateway = await startCairnServer(['gateway', '--offline'], { ...env, CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0' })
  try {
    const at = listeningOn(gateway.output, 'Gateway server')
    let got = 0
    const rate = await rateOf(size, async () => { got = await download(`http://${at.host}:${at.port}/ipfs/${cid}`) })
    expectBytes(got, size, 'gateway')
    line('gateway GET /ipfs/<cid>', rate, 'express.static', staticRate)
  } finally {
    await gateway.stop()
  }
}

/** Two daemons on loopback: node B cats what only node A holds, against raw loopback TCP. */
async function benchFetch (dir: string): Promise<void> {
  const envA = { CAIRN_PATH: join(dir, 'node-a'), CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0' }
  const envB = { CAIRN_PATH: join(dir, 'node-b'), CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0' }
  await runCairn(['init', '--profile', 'local'], envA)
  await runCairn(['init', '--profile', 'local'], envB)
  const cid = (await runCairn(['add', '-q'], envA, patternStream(fetchSize, 7))).trim()
  const a = await startCairnServer(['daemon'], envA)
  const b = await startCairnServer(['daemon'], envB)
  try {
    const id = JSON.parse(await runCairn(['id', '--json'], envA)) as { ID: string, Addresses: string[] }
    const addr = id.Addresses.find(x => x.includes('/tcp/') && !x.includes('/ws')) ?? ''
    await runCairn(['swarm', 'connect', addr.includes('/p2p/') ? addr : `${addr}/p2p/${id.ID}`], envB)
    let seen = 0
    const rate = await rateOf(fetchSize, async () => { await runCairn(['cat', cid], envB, undefined, b => { seen += b.length }) })
    expectBytes(seen, fetchSize, 'remote cat')
    line(`cat from a peer over bitswap (${fetchSize / MiB} MiB)`, rate, 'loopback TCP', await loopbackTcpRate(fetchSize))
  } finally {
    await b.stop()
    await a.stop()
  }
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'))
try {
  const env = { CAIRN_PATH: join(dir, 'repo') }
  console.log(`Cairn benchmarks on ${size / MiB} MiB of generated data (BENCH_MIB to change)\n`)
  const sha = await sha256Rate(size)
  const disk = await diskRates(join(dir, 'plain.bin'), size)
  console.log(`ceilings: sha256 ${fmt(sha)}, disk write ${fmt(disk.write)}, disk read ${fmt(disk.read)}\n`)
  await runCairn(['init', '--profile', 'local'], env)
  const cid = await benchLocal(dir, env, sha, disk.read)
  await benchGateway(dir, env, cid)
  await benchFetch(dir)
} finally {
  await rm(dir, { recursive: true, force: true })
}
