import { spawn } from 'node:child_process'
import { closeSync, openSync, readSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built CLI as users run it, bundled (`npm run build`, which `npm test` runs first). */
export const cliPath = fileURLToPath(new URL('../../dist/cairn/bin.js', import.meta.url))

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
}

/** Options for {@link runCli}. */
export interface RunCliOptions {
  repo?: string
  input?: Buffer | string
  /** Standard input redirected from this file (`cairn … < file`) instead of a pipe, from `stdinOffset` bytes on (read past first, as a shell's earlier command would). */
  stdinFile?: string
  stdinOffset?: number
  env?: Record<string, string>
  cwd?: string
}

/** Runs the real built CLI as a child process and collects its output. */
export async function runCli (args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  if (options.repo != null) env.CAIRN_PATH = options.repo
  const stdinFd = options.stdinFile != null ? openSync(options.stdinFile, 'r') : undefined
  if (stdinFd != null && options.stdinOffset != null) readSync(stdinFd, Buffer.alloc(options.stdinOffset), 0, options.stdinOffset, null)
  const child = spawn(process.execPath, [cliPath, ...args], { env, cwd: options.cwd, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] })
  if (stdinFd != null) closeSync(stdinFd)
  const stdout: Buffer[] = []
  let stderr = ''
  child.stdout?.on('data', (b: Buffer) => stdout.push(b))
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString() })
  child.stdin?.on('error', () => {})
  child.stdin?.end(options.input)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (c, s) => resolve([c, s])))
  return { code, signal, stdout: Buffer.concat(stdout), stderr }
}

/** Runs the CLI and returns stdout as text, throwing with stderr when it exits non-zero. */
export async function cliText (args: string[], options: RunCliOptions = {}): Promise<string> {
  const result = await runCli(args, options)
  if (result.code !== 0) {
    throw new Error(`cairn ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`)
  }
  return result.stdout.toString()
}

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir (prefix = 'cairn-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** A new `local`-profile repo in a temp folder. */
export async function tempRepo (): Promise<{ repo: string, cleanup: () => Promise<void> }> {
  const dir = await tempDir('cairn-repo-')
  const repo = join(dir.path, 'repo')
  await cliText(['init', '--profile', 'local'], { repo })
  return { repo, cleanup: dir.cleanup }
}

/** A new repo and an empty work folder, both removed when the test ends. */
export async function repoAndFolder (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ repo: string, dir: string }> {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const folder = await tempDir()
  t.teardown(folder.cleanup)
  return { repo, dir: folder.path }
}
