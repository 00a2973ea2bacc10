import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Readable } from 'node:stream'

const cli = fileURLToPath(new URL('../cli/bin.js', import.meta.url))

/** Runs the built CLI, piping `input` to stdin and handing stdout to `sink`; rejects on a non-zero exit. */
export async function runCairn (args: string[], env: Record<string, string>, input?: Readable, sink?: (chunk: Buffer) => void): Promise<string> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => { if (sink != null) sink(b); else out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { err += b.toString() })
  if (input != null) input.pipe(child.stdin)
  else child.stdin.end()
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  if (code !== 0) throw new Error(`cairn ${args.join(' ')} exited ${String(code)}: ${err}`)
  return out
}
