import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Options, ValuesCommand } from '../node/commands/command.js'

/** Writes to a stream respecting backpressure. */
export async function writeChunk (stream: NodeJS.WritableStream, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) {
    await once(stream, 'drain')
  }
}

/** Prints a values command's results: NDJSON with `--json`, else its text lines. */
export async function printValues (command: ValuesCommand, values: AsyncIterable<unknown>, options: Options, json: boolean): Promise<void> {
  for await (const value of values) {
    const line = json ? JSON.stringify(value) : command.text(value, options)
    if (line !== undefined) {
      await writeChunk(process.stdout, line + '\n')
    }
  }
}

/**
 * Streams bytes to stdout, or to the file `out.path` (`-o`, created with `out.mode`,
 * default 0666 less the umask): written to a temp file beside it and renamed at the end,
 * so a failure never leaves half a file under that name.
 */
export async function printBytes (chunks: AsyncIterable<unknown>, out?: { path: string, mode?: number }): Promise<void> {
  if (out == null) {
    for await (const chunk of chunks) {
      await writeChunk(process.stdout, chunk as Uint8Array)
    }
    return
  }
  const tmp = `${out.path}.${process.pid}.tmp`
  try {
    await pipeline(chunks as AsyncIterable<Uint8Array>, createWriteStream(tmp, out.mode != null ? { mode: out.mode } : {}))
    await rename(tmp, out.path)
  } finally {
    await rm(tmp, { force: true })
  }
}
