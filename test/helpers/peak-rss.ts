import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { cliPath } from './cli.js'

/** A CLI child process whose peak RSS (VmHWM) is sampled from /proc until it exits. */
export interface SampledChild {
  child: ChildProcessWithoutNullStreams
  /** Resolves when the child has exited: its exit code, stderr and the largest VmHWM seen, in bytes. */
  done: Promise<{ code: number | null, stderr: string, peakRss: number }>
}

async function vmHwm (pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status)
    return match != null ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined // already gone
  }
}

/** Spawns the built CLI and samples its VmHWM every `intervalMs` until it exits. */
export function spawnSampled (args: string[], env: Record<string, string>, intervalMs = 50): SampledChild {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let peak = 0
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const pid = child.pid as number
  const timer = setInterval(() => {
    void vmHwm(pid).then(v => { if (v != null && v > peak) peak = v })
  }, intervalMs)
  const done = new Promise<{ code: number | null, stderr: string, peakRss: number }>(resolve => {
    child.on('close', code => {
      clearInterval(timer)
      resolve({ code, stderr, peakRss: peak })
    })
  })
  return { child, done }
}
