import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command, CommandCall } from '../node/commands/command.js'

/** A byte-count progress display on stderr. */
export interface ByteProgress {
  /** Sets the bytes done so far. */
  update(done: number): void
  stop(): void
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** `1.5 MiB`-style sizes. */
export function formatBytes (n: number): string {
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit] as string}`
}

/** True when a progress bar may be drawn: stderr is a terminal and the call is not quiet or `--progress=false`. */
export function progressBarWanted (call: CommandCall): boolean {
  return process.stderr.isTTY === true && call.options.quiet !== true && call.options.progress !== false
}

/** A cli-progress bar for bytes; `total` undefined shows the count alone. */
export async function startByteProgress (total: number | undefined): Promise<ByteProgress> {
  // loaded only when a bar is drawn
  const { default: cliProgress } = await import('cli-progress')
  const known = total != null && total > 0
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    format: known ? ' {bar} {percentage}% {done} / {size} | ETA {eta_formatted}' : ' {done}'
  }, cliProgress.Presets.shades_classic)
  bar.start(known ? total : 1, 0, { done: formatBytes(0), size: known ? formatBytes(total) : '' })
  return {
    update (done) {
      bar.update(known ? Math.min(done, total) : 0, { done: formatBytes(done) })
    },
    stop () {
      bar.stop()
    }
  }
}

/** Total bytes of the local files `add` will read (directories walked like the input walk); undefined for stdin. */
async function localInputSize (paths: string[], call: CommandCall): Promise<number | undefined> {
  const hidden = call.options.hidden === true
  let total = 0
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path)
    if (info.isFile()) total += info.size
    if (info.isDirectory()) {
      for (const name of await readdir(path)) {
        if (!hidden && name.startsWith('.')) continue
        await visit(join(path, name))
      }
    }
  }
  for (const path of paths) {
    if (path === '-') return undefined
    await visit(path)
  }
  return total
}

/**
 * For a command with a `progress` option (add) run on a terminal: asks it for progress
 * values and turns them (`{ Name, Bytes }`, bytes read of that file) into a bar, printing
 * nothing for them. Other commands and other calls pass through untouched.
 */
export async function withProgressBar (command: Command, call: CommandCall, start: () => AsyncIterable<unknown>): Promise<AsyncIterable<unknown>> {
  const wanted = command.output === 'values' && command.options.some(o => o.name === 'progress') && progressBarWanted(call)
  if (!wanted) return start()
  call.options = { ...call.options, progress: true }
  if (command.output === 'values' && command.progressBar === false) return start()
  const total = await localInputSize(call.args, call).catch(() => undefined)
  return barFilter(start(), total)
}

function isProgressValue (value: unknown): value is { Name: string, Bytes: number } {
  return typeof value === 'object' && value != null && 'Bytes' in value && !('Hash' in value)
}

async function * barFilter (values: AsyncIterable<unknown>, total: number | undefined): AsyncGenerator<unknown> {
  const bar = await startByteProgress(total)
  const perFile = new Map<string, number>()
  let done = 0
  try {
    for await (const value of values) {
      if (isProgressValue(value)) {
        done += value.Bytes - (perFile.get(value.Name) ?? 0)
        perFile.set(value.Name, value.Bytes)
        bar.update(done)
        continue
      }
      // clear the bar's line so the printed line does not land inside it; the bar redraws below
      process.stderr.write('\x1b[2K\r')
      yield value
      bar.update(done)
    }
  } finally {
    bar.stop()
  }
}
