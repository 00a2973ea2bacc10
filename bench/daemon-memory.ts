import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cairnEnv, listeningOn, runCairn, startCairnServer, swarmConnect, type CairnServer } from './cli-runner.js'
import { patternStream } from './data.js'
import { download } from './http-download.js'
import { figure, type Figure } from './table.js'

const MiB = 1024 * 1024

/** What {@link benchDaemonMemory} moves: the file of the add, cat and peer fetch, and the downloads. */
export interface DaemonMemorySizes {
  file: number
  downloads: number
  downloadSize: number
}

/** A process's resident set now and its peak since the last {@link resetPeak}, in bytes (Linux /proc). */
async function rss (pid: number): Promise<{ now: number, peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024
  return { now: kib('VmRSS'), peak: kib('VmHWM') }
}

/** Starts a new peak for {@link rss} (writing 5 to clear_refs resets VmHWM to the present RSS). */
async function resetPeak (pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5')
}

/** Runs `job` and returns the daemon's peak RSS during it in MiB, with its RSS at rest before it. */
async function peakDuring (daemon: CairnServer, job: () => Promise<unknown>): Promise<{ peak: number, rest: number }> {
  const rest = (await rss(daemon.pid)).now
  await resetPeak(daemon.pid)
  await job()
  return { peak: (await rss(daemon.pid)).peak / MiB, rest: rest / MiB }
}

/**
 * The daemon's peak RSS (issue 8: ≤ 300 MiB) during an add, a cat and a peer fetch of one
 * file through the CLI, and during concurrent gateway downloads, each beside the daemon's
 * RSS at rest just before it. Two daemons on loopback; A holds, B fetches. Linux only:
 * the peak is the kernel's VmHWM, reset before each operation.
 */
export async function benchDaemonMemory (dir: string, sizes: DaemonMemorySizes, figures: Figure[]): Promise<void> {
  if (process.platform !== 'linux') return
  const envA = cairnEnv(join(dir, 'node-a'))
  const envB = cairnEnv(join(dir, 'node-b'))
  await runCairn(['init', '--profile', 'local'], envA)
  await runCairn(['init', '--profile', 'local'], envB)
  const a = await startCairnServer(['daemon'], envA)
  const b = await startCairnServer(['daemon'], envB)
  try {
    await swarmConnect(envB, envA)
    const fileMib = `${sizes.file / MiB} MiB`
    const measure = (name: string): Figure => figure(`daemon peak RSS: ${name}`, 'MiB', 'the daemon at rest before it', '≤ 300 MiB')
    const add = measure(`\`cairn add\` ${fileMib} through it`)
    const cat = measure(`\`cairn cat\` ${fileMib} through it`)
    const fetch = measure(`B's, \`cairn cat\` of ${fileMib} only A holds`)
    const downloads = measure(`${sizes.downloads} concurrent gateway downloads of a ${sizes.downloadSize / 1e6} MB file`)
    figures.push(add, cat, fetch, downloads)
    const record = (into: Figure, measured: { peak: number, rest: number }): void => {
      into.cairn.push(measured.peak)
      into.ceiling.push(measured.rest)
    }

    let cid = ''
    record(add, await peakDuring(a, async () => { cid = (await runCairn(['add', '-q', '--pin=false'], envA, patternStream(sizes.file, 40))).trim() }))
    let seen = 0
    record(cat, await peakDuring(a, async () => await runCairn(['cat', cid], envA, undefined, chunk => { seen += chunk.length })))
    let fetched = 0
    record(fetch, await peakDuring(b, async () => await runCairn(['cat', cid], envB, undefined, chunk => { fetched += chunk.length })))
    if (seen !== sizes.file || fetched !== sizes.file) throw new Error(`cat gave ${seen} and ${fetched} bytes, expected ${sizes.file}`)

    const small = (await runCairn(['add', '-q', '--pin=false'], envA, patternStream(sizes.downloadSize, 41))).trim()
    const at = listeningOn(a.output, 'Gateway server')
    const url = `http://${at.host}:${at.port}/ipfs/${small}`
    let got: number[] = []
    record(downloads, await peakDuring(a, async () => { got = await Promise.all(Array.from({ length: sizes.downloads }, async () => await download(url))) }))
    if (got.some(n => n !== sizes.downloadSize)) throw new Error('a gateway download came out short')
  } finally {
    await b.stop()
    await a.stop()
  }
}
