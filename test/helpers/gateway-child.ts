import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./gateway-process.mjs', import.meta.url))

/** A gateway running in a child process. */
export interface GatewayChild {
  url: string
  pid: number
  /** The child's resident set size now, in bytes (from /proc). */
  rss(): Promise<number>
  stop(): Promise<void>
}

/** Starts test/helpers/gateway-process.mjs (the built gateway, see `npm run build`) over `repo` (which must not be open elsewhere). */
export async function startGatewayChild (repo: string): Promise<GatewayChild> {
  const child: ChildProcess = spawn(process.execPath, [script, repo], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', code => reject(new Error(`gateway child exited with ${String(code)}`)))
  })
  const { url, pid } = JSON.parse(first) as { url: string, pid: number }
  return {
    url,
    pid,
    async rss () {
      const status = await readFile(`/proc/${pid}/status`, 'utf8')
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])
      return kb * 1024
    },
    async stop () {
      if (child.exitCode != null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}
