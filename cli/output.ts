import { once } from 'node:events'
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

/** Streams bytes to stdout. */
export async function printBytes (chunks: AsyncIterable<unknown>): Promise<void> {
  for await (const chunk of chunks) {
    await writeChunk(process.stdout, chunk as Uint8Array)
  }
}
