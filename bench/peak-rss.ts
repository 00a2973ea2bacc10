import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { seconds } from './ceilings.js'
import { runCairn, startCairnServer, type CairnServer } from './cli-runner.js'
import type { Readable } from 'node:stream'

const preload = fileURLToPath(new URL('./peak-rss-preload.js', import.meta.url))
let files = 0

/**
 * The peak RSS of a CLI process, as the kernel counts it (ru_maxrss): the process writes
 * it when it exits (bench/peak-rss-preload.ts, loaded through NODE_OPTIONS).
 */
class PeakRss {
  readonly file = join(tmpdir(), `cairn-bench-rss-${process.pid}-${files++}`)

  env (env: Record<string, string>): Record<string, string> {
    return { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim(), BENCH_PEAK_RSS_FILE: this.file }
  }

  /** The peak in bytes; only once the process has exited. */
  async read (): Promise<number> {
    const bytes = Number(await readFile(this.file, 'utf8'))
    await rm(this.file, { force: true })
    return bytes
  }
}

/** A CLI run measured: its wall time, its peak RSS in bytes and what it printed. */
export interface Measured { seconds: number, peakRss: number, output: string }

/** Runs the built CLI (as {@link runCairn}) and measures its wall time and peak RSS. */
export async function measureCairn (args: string[], env: Record<string, string>, input?: Readable): Promise<Measured> {
  const rss = new PeakRss()
  let output = ''
  const time = await seconds(async () => { output = await runCairn(args, rss.env(env), input) })
  return { seconds: time, peakRss: await rss.read(), output }
}

/** A daemon started through {@link startCairnServer} whose `stop` resolves with its peak RSS in bytes. */
export async function startMeasuredServer (args: string[], env: Record<string, string>): Promise<Omit<CairnServer, 'stop'> & { stop: () => Promise<number> }> {
  const rss = new PeakRss()
  const server = await startCairnServer(args, rss.env(env))
  return { output: server.output, pid: server.pid, stop: async () => { await server.stop(); return await rss.read() } }
}
