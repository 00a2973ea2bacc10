import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Readable } from 'node:stream'

const cli = fileURLToPath(new URL('../cairn/bin.js', import.meta.url))

/** The environment of a CLI on the repo `repo`: every API on a free loopback port. */
export const cairnEnv = (repo: string): Record<string, string> => ({ CAIRN_PATH: repo, CAIRN_API: '/ip4/127.0.0.1/tcp/0', CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0', CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0' })

/** Where a {@link runCommand}'s stdin comes from and its stdout goes, and what its errors call it. */
export interface RunOptions {
  env?: Record<string, string>
  /** Piped to stdin (else stdin is closed at once). */
  input?: Readable
  /** Gets stdout as it comes (else it is collected and returned). */
  sink?: (chunk: Buffer) => void
  /** The command as errors name it (default: the command and its arguments). */
  name?: string
}

/** Runs `command`, piping stdin and stdout as `options` say; its stdout without a sink; rejects on a non-zero exit. */
export async function runCommand (command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  const sink = options.sink
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => { if (sink != null) sink(b); else out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { err += b.toString() })
  if (options.input != null) options.input.pipe(child.stdin)
  else child.stdin.end()
  const code = await new Promise<number | null>((resolve, reject) => { child.on('close', resolve).on('error', reject) })
  if (code !== 0) throw new Error(`${options.name ?? [command, ...args].join(' ')} exited ${String(code)}: ${err}`)
  return out
}

/** Runs the built CLI, piping `input` to stdin and handing stdout to `sink`; rejects on a non-zero exit. */
export async function runCairn (args: string[], env: Record<string, string>, input?: Readable, sink?: (chunk: Buffer) => void): Promise<string> {
  return await runCommand(process.execPath, [cli, ...args], { env, name: `cairn ${args.join(' ')}`, ...(input != null ? { input } : {}), ...(sink != null ? { sink } : {}) })
}

/** A long-running CLI process (daemon, gateway) and what it printed before "Daemon is ready". */
export interface CairnServer {
  output: string
  pid: number
  stop(): Promise<void>
}

/** Starts `cairn daemon` / `cairn gateway` and waits (at most 60 s) until it says it is ready. */
export async function startCairnServer (args: string[], env: Record<string, string>): Promise<CairnServer> {
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`cairn ${args.join(' ')} not ready in 60 s: ${output}`)) }, 60_000)
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString()
      if (output.includes('Daemon is ready')) { clearTimeout(timer); resolve() }
    })
    child.stderr?.on('data', (b: Buffer) => { output += b.toString() })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`cairn ${args.join(' ')} exited ${String(code)}: ${output}`)) })
  })
  return {
    output,
    pid: child.pid as number,
    async stop () {
      child.removeAllListeners('exit')
      const exited = new Promise(resolve => child.on('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}

/** The first `<label> listening on <multiaddr>` address printed, as host and port. */
export function listeningOn (output: string, label: string): { host: string, port: number } {
  const match = new RegExp(`${label} listening on /ip[46]/([^/]+)/tcp/(\\d+)`).exec(output)
  if (match == null) throw new Error(`no "${label} listening on" line in: ${output}`)
  return { host: match[1] as string, port: Number(match[2]) }
}

/** Connects the daemon of `fromEnv` to the daemon of `toEnv` over its TCP address. */
export async function swarmConnect (fromEnv: Record<string, string>, toEnv: Record<string, string>): Promise<void> {
  const id = JSON.parse(await runCairn(['id', '--json'], toEnv)) as { ID: string, Addresses: string[] }
  const addr = id.Addresses.find(x => x.includes('/tcp/') && !x.includes('/ws')) ?? ''
  await runCairn(['swarm', 'connect', addr.includes('/p2p/') ? addr : `${addr}/p2p/${id.ID}`], fromEnv)
}
