import { spawn } from 'node:child_process'
import { cliPath } from './cli.js'

/** What a run under a pseudo-terminal printed (stdout and stderr share the terminal). */
export interface TtyResult {
  code: number | null
  output: string
}

const quote = (arg: string): string => `'${arg.replaceAll('\'', '\'\\\'\'')}'`

/**
 * Runs the built CLI with a pseudo-terminal as stdin, stdout and stderr, through
 * util-linux `script` (part of every Debian), so TTY-only behaviour such as progress bars
 * can be tested.
 */
export async function runCliInTty (args: string[], options: { repo: string, cwd?: string }): Promise<TtyResult> {
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, CAIRN_PATH: options.repo, COLUMNS: '120' },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (b: Buffer) => { output += b.toString() })
  child.stderr.on('data', (b: Buffer) => { output += b.toString() })
  child.stdin.end()
  const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)))
  return { code, output }
}
