import '../node/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { diskRates, rateOf, sha256Rate, type Rate } from './ceilings.js'
import { patternStream } from './data.js'
import { runCairn } from './cli-runner.js'

const MiB = 1024 * 1024
const size = Number(process.env.BENCH_MIB ?? 512) * MiB

const fmt = (r: Rate): string => `${r.mibPerSec.toFixed(0).padStart(6)} MiB/s`

function line (name: string, figure: Rate, ceilingName: string, ceiling: Rate): void {
  const pct = (100 * figure.mibPerSec / ceiling.mibPerSec).toFixed(0)
  console.log(`${name.padEnd(34)} ${fmt(figure)}   vs ${ceilingName.padEnd(18)} ${fmt(ceiling)}  (${pct}%)`)
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'))
try {
  const repo = join(dir, 'repo')
  const env = { CAIRN_PATH: repo }
  console.log(`Cairn benchmarks on ${size / MiB} MiB of generated data (BENCH_MIB to change)\n`)
  const sha = await sha256Rate(size)
  const disk = await diskRates(join(dir, 'plain.bin'), size)
  console.log(`ceilings: sha256 ${fmt(sha)}, disk write ${fmt(disk.write)}, disk read ${fmt(disk.read)}\n`)

  await runCairn(['init', '--profile', 'local'], env)
  let cid = ''
  const add = await rateOf(size, async () => {
    cid = (await runCairn(['add', '-q', '--pin=false'], env, patternStream(size))).trim()
  })
  line('cairn add (stdin, modern profile)', add, 'sha256', sha)
  const onlyHash = await rateOf(size, async () => { await runCairn(['add', '-q', '-n'], env, patternStream(size)) })
  line('cairn add --only-hash', onlyHash, 'sha256', sha)
  let seen = 0
  const cat = await rateOf(size, async () => { await runCairn(['cat', cid], env, undefined, b => { seen += b.length }) })
  if (seen !== size) throw new Error(`cat returned ${seen} bytes, expected ${size}`)
  line('cairn cat', cat, 'disk read', disk.read)
} finally {
  await rm(dir, { recursive: true, force: true })
}
