// npm run bench [-- --quick]: Cairn beside stock Helia and the ceiling of each figure,
// interleaved (Cairn, stock, ceiling, Cairn, …) so that load on a shared machine falls on
// every side alike. Everything on loopback, on data generated here. Writes the table to
// bench/results/latest.{json,md}.
//
// BENCH_ONLY=scale npm run bench [-- --quick]: only the scale figures (bench/scale.ts,
// bench/providers.ts), written to bench/results/latest-scale.{json,md}. Full sizes are the
// issue's: add -r of 100,000 files, repos of 200,000 and 20,000 blocks, 256 MiB from four
// providers; --quick: 2,000 files, 4,000 / 400 blocks, 16 MiB. BENCH_ONLY=memory: only the
// daemon's peak RSS (bench/daemon-memory.ts: 1 GiB add, cat and peer fetch, 200 concurrent
// gateway downloads; --quick: 128 MiB), to latest-memory.{json,md}; BENCH_ONLY=core: the rest.
import '../node/polyfill.js'
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { diskRates, mibs, pipeRate, rateOf, seconds, sha256Rate } from './ceilings.js'
import { cpuCostOf, type CpuCost } from './cpu-time.js'
import { cairnEnv, listeningOn, runCairn, startCairnServer, swarmConnect, type CairnServer } from './cli-runner.js'
import { patternStream } from './data.js'
import { download } from './http-download.js'
import { httpLoad, quantile, timedGet } from './http-load.js'
import { loopbackTcpRate } from './loopback.js'
import { forbidDialOut } from './no-dial-out.js'
import { benchDaemonMemory } from './daemon-memory.js'
import { benchProviders } from './providers.js'
import { benchScale, type ScaleSizes } from './scale.js'
import { startStockNode, type StockNode } from './stock-client.js'
import { figure, machine, median, writeResults, type Figure } from './table.js'

forbidDialOut()

const MiB = 1024 * 1024
const quick = process.argv.includes('--quick')
const rounds = quick ? 3 : 5
const size = Number(process.env.BENCH_MIB ?? (quick ? 32 : 512)) * MiB
const fetchSize = Math.min(size, (quick ? 32 : 256) * MiB)
const smallFiles = 1000
const smallSize = 4096
const loadRequests = quick ? 2000 : 6000
const ttfbSamples = quick ? 5 : 10
const only = process.env.BENCH_ONLY
const parts = ['core', 'scale', 'memory'] as const
if (only != null && !(parts as readonly string[]).includes(only)) throw new Error(`BENCH_ONLY=${only}: the parts that run alone are ${parts.join(', ')}`)
/** Whether a part of the bench runs: all of them, or the one BENCH_ONLY names. */
const runs = (part: typeof parts[number]): boolean => only == null || only === part
const scaleSizes: ScaleSizes = quick ? { large: 4_000, small: 400, label: ' (quick)' } : { large: 200_000, small: 20_000, label: '' }
const providersSize = (quick ? 16 : 256) * MiB
/** Issue 8 item 3: 1 GiB through the daemon and 200 concurrent downloads (smaller when quick). */
const daemonMemorySizes = quick ? { file: 128 * MiB, downloads: 200, downloadSize: 5_000_000 } : { file: 1024 * MiB, downloads: 200, downloadSize: 20_000_000 }

async function nodeNoop (): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', code => { code === 0 ? resolve() : reject(new Error(`node -e 0 exited ${String(code)}`)) })
  })
}

async function staticServer (dir: string): Promise<{ port: number, pid: number, stop: () => void }> {
  const child = spawn(process.execPath, [new URL('./static-server.js', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>(resolve => child.stdout.once('data', (b: Buffer) => { resolve(Number(b.toString().trim())) }))
  return { port, pid: child.pid as number, stop: () => { child.kill('SIGTERM') } }
}

function expectBytes (got: number, want: number, what: string): void {
  if (got !== want) throw new Error(`${what} returned ${got} bytes, expected ${want}`)
}

const gatewayOf = (server: CairnServer): string => {
  const at = listeningOn(server.output, 'Gateway server')
  return `http://${at.host}:${at.port}`
}

/** The add's target: this share of the SHA-256 rate. */
const addShare = 0.6

/** The local cat's target: this share of a page-cache read. */
const catShare = 0.3

/** The re-hashing cat's target: this share of the same cat unchecked. */
const hashedShare = 0.8

/** The median CPU of `costs` as "other + self s" (the other process's, then the bench's). */
const cpuOf = (costs: CpuCost[]): string => `${median(costs.map(c => c.other)).toFixed(2)} + ${median(costs.map(c => c.self)).toFixed(2)} s`

/** CPU seconds the machine's cores have in `seconds`. */
const coresCpu = (seconds: number): string => `${(cpus().length * seconds).toFixed(2)} s`

/** Start-up offline, add (three ways) and cat on one repo without a daemon; add with and without Datastore.Sync. */
async function benchLocal (dir: string, stock: StockNode, figures: Figure[]): Promise<void> {
  const env = cairnEnv(join(dir, 'local'))
  await runCairn(['init', '--profile', 'local'], env)
  const startup = figure('CLI start-up: `cairn id` on a repo, offline', 's', '`node -e 0`', '≤ 0.25 s')
  const add = figure(`add ${size / MiB} MiB, default profile (CLI wall time)`, 'MiB/s', 'SHA-256', `≥ ${addShare} × SHA-256`,
    'all three adds read a file in the page cache: Cairn `cairn add <file>`, stock `addByteStream(createReadStream(file))` in the stock node (no process start-up)')
  const addV0 = figure('add --cid-version 0', 'MiB/s', 'SHA-256', '≥ 0.25 × SHA-256')
  const onlyHash = figure('add -n (only hash)', 'MiB/s', 'SHA-256', '≥ 0.8 × SHA-256')
  const cat = figure(`cat local ${size / MiB} MiB`, 'MiB/s', 'page-cache read', `≥ ${catShare} × read`)
  const synced = figure(`add ${size / MiB} MiB of new bytes, pinned (Datastore.Sync true)`, 'MiB/s', 'Datastore.Sync false', '≥ 0.8 × unsynced',
    'the blocks and the pin fsynced before the CID is printed, against the same add on a repo that syncs nothing; new bytes each round')
  const hashed = figure(`cat local ${size / MiB} MiB, every block re-hashed (Datastore.HashOnRead true)`, 'MiB/s', 'Datastore.HashOnRead false', `≥ ${hashedShare} × unchecked`,
    'the cat above against the same cat with the check off (issue 9: a corrupt block is never served)')
  figures.push(startup, add, addV0, onlyHash, cat, hashed, synced)
  const unsyncedEnv = cairnEnv(join(dir, 'local-unsynced'))
  await runCairn(['init', '--profile', 'local'], unsyncedEnv)
  await runCairn(['config', '--json', 'Datastore.Sync', 'false'], unsyncedEnv)
  const plain = join(dir, 'plain.bin')
  // every add reads a file (in the page cache, written before the clock starts), as stock
  // Helia's does: a pipe from this process would hand the CLI 64 KiB at a time
  const inputs = join(dir, 'inputs')
  await mkdir(inputs, { recursive: true })
  const input = async (seed: number): Promise<string> => {
    const path = join(inputs, `${seed}.bin`)
    await pipeline(patternStream(size, seed), createWriteStream(path))
    return path
  }
  const onlyHashInput = await input(1)
  const syncedWriteRates: number[] = []
  const pipe: number[] = []
  const catCpu: Record<'checked' | 'unchecked', CpuCost[]> = { checked: [], unchecked: [] }
  for (let r = 0; r < rounds; r++) {
    startup.cairn.push(await seconds(async () => await runCairn(['id'], env)))
    startup.ceiling.push(await seconds(nodeNoop))

    let cid = ''
    const addInput = await input(200 + r)
    add.cairn.push(mibs(size, await seconds(async () => { cid = (await runCairn(['add', '-q', '--pin=false', addInput], env)).trim() })))
    const stockAdd = await stock.ask<{ cid: string, seconds: number }>({ op: 'add-file', path: addInput })
    add.stock.push(mibs(size, stockAdd.seconds))
    const sha = (await sha256Rate(size)).mibPerSec
    add.ceiling.push(sha)

    const v0Input = await input(300 + r)
    addV0.cairn.push(mibs(size, await seconds(async () => await runCairn(['add', '-q', '--pin=false', '--cid-version', '0', v0Input], env))))
    addV0.stock.push(mibs(size, (await stock.ask<{ seconds: number }>({ op: 'add-file', path: v0Input, cidVersion: 0 })).seconds))
    addV0.ceiling.push(sha)

    onlyHash.cairn.push(mibs(size, await seconds(async () => await runCairn(['add', '-q', '-n', onlyHashInput], env))))
    onlyHash.stock.push(mibs(size, (await stock.ask<{ seconds: number }>({ op: 'add-file-only-hash', path: onlyHashInput })).seconds))
    onlyHash.ceiling.push(sha)

    /** Cats `cid` to `sink` into `into` (MiB/s), and what it cost the CLI and the bench in CPU into `cpu`. */
    const timedCat = async (into: number[], cpu: CpuCost[], sink: (chunk: Buffer) => void): Promise<void> => {
      const cost = await cpuCostOf('children', async () => {
        into.push(mibs(size, await seconds(async () => await runCairn(['cat', cid], env, undefined, sink))))
      })
      if (cost != null) cpu.push(cost)
    }
    let seen = 0
    await timedCat(cat.cairn, catCpu.checked, b => { seen += b.length })
    expectBytes(seen, size, 'cairn cat')
    const stockCat = await stock.ask<{ seconds: number, bytes: number }>({ op: 'cat', cid: stockAdd.cid })
    expectBytes(stockCat.bytes, size, 'stock cat')
    cat.stock.push(mibs(size, stockCat.seconds))
    const disk = await diskRates(plain, size)
    cat.ceiling.push(disk.read.mibPerSec)
    syncedWriteRates.push(disk.synced.mibPerSec)
    pipe.push((await pipeRate(onlyHashInput, size)).mibPerSec)
    hashed.cairn.push(cat.cairn[r] as number)
    await runCairn(['config', '--json', 'Datastore.HashOnRead', 'false'], env)
    await timedCat(hashed.ceiling, catCpu.unchecked, () => {})
    await runCairn(['config', '--json', 'Datastore.HashOnRead', 'true'], env)

    // the same bytes on both repos, which goes first flipped each round
    const newInput = await input(10 + r)
    const addNew = async (on: Record<string, string>): Promise<number> => mibs(size, await seconds(async () => await runCairn(['add', '-q', newInput], on)))
    if (r % 2 === 0) {
      synced.cairn.push(await addNew(env))
      synced.ceiling.push(await addNew(unsyncedEnv))
    } else {
      synced.ceiling.push(await addNew(unsyncedEnv))
      synced.cairn.push(await addNew(env))
    }
    for (const path of [addInput, v0Input, newInput]) await rm(path)
  }
  await rm(inputs, { recursive: true })
  // what the machine allows these figures, measured in the same rounds (README: "Why the misses miss")
  const allowed = size / MiB / (addShare * median(add.ceiling))
  add.note = `${add.note ?? ''}; the same ${size / MiB} MiB written to a plain file and fsynced (dd conv=fsync) took ${(size / MiB / median(syncedWriteRates)).toFixed(2)} s, of the ${allowed.toFixed(2)} s that ${addShare} × SHA-256 allows the whole add`
  cat.note = `coreutils \`cat\` of the same bytes through the same pipe into the bench: ${median(pipe).toFixed(0)} MiB/s = ${(median(pipe) / median(cat.ceiling)).toFixed(3)} × read`
  if (catCpu.checked.length > 0 && catCpu.unchecked.length > 0) {
    // what each target gives the whole cat, start-up included, and the CPU the cores have in it
    const catAllowed = size / MiB / (catShare * median(cat.ceiling))
    const hashedAllowed = size / MiB / (hashedShare * median(hashed.ceiling))
    cat.note = `${cat.note}; CPU per cat, Cairn's + the bench's: ${cpuOf(catCpu.checked)}; in the ${catAllowed.toFixed(2)} s that ${catShare} × read allows the cat the ${cpus().length} cores have ${coresCpu(catAllowed)} of CPU`
    hashed.note = `${hashed.note ?? ''}; CPU per cat, Cairn's + the bench's: checked ${cpuOf(catCpu.checked)}, unchecked ${cpuOf(catCpu.unchecked)}; in the ${hashedAllowed.toFixed(2)} s that ${hashedShare} × unchecked allows the cores have ${coresCpu(hashedAllowed)}`
  }
}

/** Writes the 1000 small files to disk (for express.static) and returns their names and seeds. */
async function writeSmallFiles (dir: string): Promise<Array<{ path: string, seed: number, size: number }>> {
  await mkdir(join(dir, 'files'), { recursive: true })
  const files = Array.from({ length: smallFiles }, (_, i) => ({ path: `files/f${String(i).padStart(4, '0')}`, seed: 1000 + i, size: smallSize }))
  for (const f of files) await pipeline(patternStream(f.size, f.seed), createWriteStream(join(dir, f.path)))
  return files
}

/** Two daemons (A holds, B fetches) beside two stock Helia nodes, on loopback. */
async function benchNetwork (dir: string, figures: Figure[]): Promise<void> {
  const envA = cairnEnv(join(dir, 'node-a'))
  const envB = cairnEnv(join(dir, 'node-b'))
  await runCairn(['init', '--profile', 'local'], envA)
  await runCairn(['init', '--profile', 'local'], envB)
  const stockA = await startStockNode(join(dir, 'stock-a'))
  const stockB = await startStockNode(join(dir, 'stock-b'))
  const a = await startCairnServer(['daemon'], envA)
  const b = await startCairnServer(['daemon'], envB)
  const statics = join(dir, 'static')
  await mkdir(statics, { recursive: true })
  const files = await writeSmallFiles(statics)
  await writeFile(join(statics, 'one-kib.bin'), Buffer.alloc(1024, 7))
  await pipeline(patternStream(size), createWriteStream(join(statics, 'large.bin')))
  const plain = await staticServer(statics)
  try {
    // connect B to A, and stock B to stock A
    await swarmConnect(envB, envA)
    const stockAddr = (await stockA.ask<string[]>({ op: 'addrs' }))[0] ?? ''
    await stockB.ask({ op: 'dial', addr: stockAddr })
    await stockA.ask({ op: 'push-stream' })

    // content: per round a fresh file and fresh 1 KiB files (a fetcher keeps what it fetched)
    const oneKib = 1024
    const fetchCids: string[] = []
    const stockFetchCids: string[] = []
    const kibCids: string[][] = []
    const stockKibCids: string[][] = []
    for (let r = 0; r < rounds; r++) {
      fetchCids.push((await runCairn(['add', '-q', '--pin=false'], envA, patternStream(fetchSize, 100 + r))).trim())
      stockFetchCids.push((await stockA.ask<{ cid: string }>({ op: 'add', size: fetchSize, seed: 100 + r })).cid)
      const kib: string[] = []
      const stockKib: string[] = []
      for (let i = 0; i < ttfbSamples; i++) {
        kib.push((await runCairn(['add', '-q', '--pin=false'], envA, patternStream(oneKib, 5000 + r * 100 + i))).trim())
        stockKib.push((await stockA.ask<{ cid: string }>({ op: 'add', size: oneKib, seed: 5000 + r * 100 + i })).cid)
      }
      kibCids.push(kib)
      stockKibCids.push(stockKib)
    }
    const daemonKib = (await runCairn(['add', '-q'], envA, patternStream(oneKib, 9))).trim()
    const added = (await runCairn(['add', '-r', join(statics, 'files')], envA)).trim().split('\n').map(l => l.split(' '))
    const dirCid = added[added.length - 1]?.[1] ?? ''
    const fileCids = added.slice(0, -1).map(l => l[1] as string)
    const stockAdded = await stockA.ask<Array<{ path: string, cid: string }>>({ op: 'add-dir', files })
    const stockDir = stockAdded.find(e => e.path === 'files')?.cid ?? ''
    const stockFileCids = stockAdded.filter(e => e.path !== 'files').map(e => e.cid)
    const largeCid = (await runCairn(['add', '-q'], envA, patternStream(size))).trim()
    const stockLarge = (await stockA.ask<{ cid: string }>({ op: 'add', size, seed: 1 })).cid
    const stockPort = (await stockA.ask<{ port: number }>({ op: 'serve' })).port
    const gatewayA = gatewayOf(a)
    const gatewayB = gatewayOf(b)
    const stockHttp = `http://127.0.0.1:${stockPort}`
    const staticHttp = `http://127.0.0.1:${plain.port}`

    const viaDaemon = figure('CLI start-up through a running daemon: `cairn cat` 1 KiB', 's', '`node -e 0`', '≤ 0.12 s')
    const fetch = figure(`peer fetch ${fetchSize / MiB} MiB: B cats what only A holds`, 'MiB/s', 'libp2p Noise+Yamux stream', '≥ 0.6 × the stream and ≥ 4 × stock', 'Cairn: `cairn cat` through daemon B; stock: `fs.cat` in stock node B; the loopback TCP rate is in the JSON (tcp)')
    const ttfb = figure('1 KiB from a connected peer, time to first byte (gateway)', 'ms', 'express.static 1 KiB', '≤ 5 ms median, ≤ 15 ms p99', 'stock: `fs.cat` in process on stock node B')
    const byPath = figure(`gateway, ${smallFiles} × 4 KiB by directory path, 32 connections`, 'req/s', 'express.static', '≥ 0.5 × static', 'stock: a minimal node:http handler over `fs.cat(dir, { path })`')
    const byCid = figure('gateway, the same files by their own CID', 'req/s', 'express.static', '≥ 0.5 × static')
    const large = figure(`gateway, ${size / MiB} MiB download`, 'MiB/s', 'express.static (sendFile)', '≥ 1 × sendFile')
    figures.push(viaDaemon, fetch, ttfb, byPath, byCid, large)
    const tcp: number[] = []
    const downloadCpu: Record<'cairn' | 'static', CpuCost[]> = { cairn: [], static: [] }
    /** Downloads `url` (expecting `size` bytes) into `into` (MiB/s); with `pid`, what it cost that server and the bench in CPU into `cpu`. */
    const timedDownload = async (url: string, into: number[], pid?: number, cpu?: CpuCost[]): Promise<void> => {
      let got = 0
      const timed = async (): Promise<void> => { into.push((await rateOf(size, async () => { got = await download(url) })).mibPerSec) }
      if (pid == null) await timed()
      else {
        const cost = await cpuCostOf(pid, timed)
        if (cost != null) cpu?.push(cost)
      }
      expectBytes(got, size, url)
    }
    const ttfbAll: number[] = []
    /** Each round's first Cairn sample: daemon B has been idle since the round's peer fetch, seconds before. */
    const ttfbFirsts: number[] = []
    /** Every Cairn sample but each round's first. */
    const ttfbLater: number[] = []
    const p99: Record<string, number[]> = { cairnPath: [], stockPath: [], staticPath: [], cairnCid: [], stockCid: [], staticCid: [] }

    // one request not counted on each side first: a process's first request from a peer
    // runs its code paths for the first time (about 40 ms for a daemon here), which is
    // start-up, not the steady state the TTFB figure is about
    const coldTtfb = (await timedGet(`${gatewayB}/ipfs/${(await runCairn(['add', '-q', '--pin=false'], envA, patternStream(oneKib, 8))).trim()}`)).ttfbMs
    await stockB.ask({ op: 'cat', cid: (await stockA.ask<{ cid: string }>({ op: 'add', size: oneKib, seed: 8 })).cid })
    await timedGet(`${staticHttp}/one-kib.bin`)

    for (let r = 0; r < rounds; r++) {
      viaDaemon.cairn.push(await seconds(async () => await runCairn(['cat', daemonKib], envA)))
      viaDaemon.ceiling.push(await seconds(nodeNoop))

      let seen = 0
      const fetchCid = fetchCids[r] as string
      fetch.cairn.push(mibs(fetchSize, await seconds(async () => await runCairn(['cat', fetchCid], envB, undefined, chunk => { seen += chunk.length }))))
      expectBytes(seen, fetchSize, 'peer fetch')
      const stockFetch = await stockB.ask<{ seconds: number, bytes: number }>({ op: 'cat', cid: stockFetchCids[r] as string })
      expectBytes(stockFetch.bytes, fetchSize, 'stock peer fetch')
      fetch.stock.push(mibs(fetchSize, stockFetch.seconds))
      fetch.ceiling.push(mibs(fetchSize, (await stockB.ask<{ seconds: number }>({ op: 'pull-stream', addr: `${stockAddr}`, bytes: fetchSize })).seconds))
      tcp.push((await loopbackTcpRate(fetchSize)).mibPerSec)

      const cairnTtfb: number[] = []
      for (const cid of kibCids[r] as string[]) cairnTtfb.push((await timedGet(`${gatewayB}/ipfs/${cid}`)).ttfbMs)
      ttfbAll.push(...cairnTtfb)
      ttfbFirsts.push(cairnTtfb[0] as number)
      ttfbLater.push(...cairnTtfb.slice(1))
      ttfb.cairn.push(median(cairnTtfb))
      const stockTtfb: number[] = []
      for (const cid of stockKibCids[r] as string[]) stockTtfb.push(1000 * ((await stockB.ask<{ ttfb: number }>({ op: 'cat', cid })).ttfb))
      ttfb.stock.push(median(stockTtfb))
      const staticTtfb: number[] = []
      for (let i = 0; i < ttfbSamples; i++) staticTtfb.push((await timedGet(`${staticHttp}/one-kib.bin`)).ttfbMs)
      ttfb.ceiling.push(median(staticTtfb))

      const load = async (urls: string[], into: number[], p99s: number[]): Promise<void> => {
        const result = await httpLoad(urls, loadRequests, 32, 60)
        into.push(result.requestsPerSec)
        p99s.push(result.p99Ms)
      }
      await load(files.map(f => `${gatewayA}/ipfs/${dirCid}/${f.path.slice('files/'.length)}`), byPath.cairn, p99.cairnPath as number[])
      await load(files.map(f => `${stockHttp}/ipfs/${stockDir}/${f.path.slice('files/'.length)}`), byPath.stock, p99.stockPath as number[])
      await load(files.map(f => `${staticHttp}/${f.path}`), byPath.ceiling, p99.staticPath as number[])
      await load(fileCids.map(c => `${gatewayA}/ipfs/${c}`), byCid.cairn, p99.cairnCid as number[])
      await load(stockFileCids.map(c => `${stockHttp}/ipfs/${c}`), byCid.stock, p99.stockCid as number[])
      await load(files.map(f => `${staticHttp}/${f.path}`), byCid.ceiling, p99.staticCid as number[])

      await timedDownload(`${gatewayA}/ipfs/${largeCid}`, large.cairn, a.pid, downloadCpu.cairn)
      await timedDownload(`${stockHttp}/ipfs/${stockLarge}`, large.stock)
      await timedDownload(`${staticHttp}/large.bin`, large.ceiling, plain.pid, downloadCpu.static)
    }
    fetch.note = `${fetch.note ?? ''}; loopback TCP ${median(tcp).toFixed(0)} MiB/s`
    ttfb.note = `${ttfb.note ?? ''}; Cairn p99 over all samples ${quantile(ttfbAll, 0.99).toFixed(1)} ms, after one uncounted request on each side (Cairn's took ${coldTtfb.toFixed(1)} ms); each round's first sample, after B idled, ${ttfbFirsts.map(ms => ms.toFixed(1)).join(', ')} ms, and the p99 of the others ${quantile(ttfbLater, 0.99).toFixed(1)} ms`
    byPath.note = `${byPath.note ?? ''}; p99 latency ms: Cairn ${median(p99.cairnPath as number[]).toFixed(0)}, stock ${median(p99.stockPath as number[]).toFixed(0)}, static ${median(p99.staticPath as number[]).toFixed(0)}`
    byCid.note = `p99 latency ms: Cairn ${median(p99.cairnCid as number[]).toFixed(0)}, stock ${median(p99.stockCid as number[]).toFixed(0)}, static ${median(p99.staticCid as number[]).toFixed(0)}`
    if (downloadCpu.cairn.length > 0 && downloadCpu.static.length > 0) {
      large.note = `CPU per download, the server's + the bench's: Cairn ${cpuOf(downloadCpu.cairn)}, sendFile ${cpuOf(downloadCpu.static)}; in sendFile's time the ${cpus().length} cores have ${coresCpu(size / MiB / median(large.ceiling))} of CPU`
    }
    for (const stock of [stockA, stockB]) {
      const refused = await stock.ask<number>({ op: 'refused' })
      if (refused > 0) throw new Error(`a stock Helia node tried ${refused} dials off loopback`)
    }
  } finally {
    plain.stop()
    await b.stop()
    await a.stop()
    await stockB.stop()
    await stockA.stop()
  }
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'))
const started = Date.now()
try {
  const info = machine()
  console.log(`Cairn benchmarks${quick ? ' (quick)' : ''}${only != null ? `, ${only} only` : ''}: ${rounds} rounds, ${size / MiB} MiB files, peer fetch ${fetchSize / MiB} MiB (BENCH_MIB to change)`)
  const figures: Figure[] = []
  if (runs('core') || runs('scale')) {
    const stock = await startStockNode(join(dir, 'stock'))
    try {
      if (runs('core')) await benchLocal(dir, stock, figures)
      if (runs('scale')) await benchScale(join(dir, 'scale'), stock, scaleSizes, figures)
    } finally {
      await stock.stop()
    }
  }
  if (runs('core')) await benchNetwork(dir, figures)
  if (runs('memory')) await benchDaemonMemory(join(dir, 'memory'), daemonMemorySizes, figures)
  if (runs('scale')) await benchProviders(join(dir, 'providers'), providersSize, scaleSizes.label, figures)
  info.seconds = Math.round((Date.now() - started) / 1000)
  console.log('\n' + await writeResults(new URL('../../bench/results/', import.meta.url), figures, info, only != null ? `latest-${only}` : 'latest'))
} finally {
  await rm(dir, { recursive: true, force: true })
}
