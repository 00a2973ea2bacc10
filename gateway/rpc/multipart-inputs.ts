import busboy from 'busboy'
import { UsageError } from '../../node/errors.js'
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { InputEntry } from '../../node/commands/command.js'

type Event =
  | { kind: 'part', fieldName: string, filename: string | undefined, mimeType: string, stream: Readable }
  | { kind: 'end' }
  | { kind: 'error', error: unknown }

/** True when a request carries a multipart/form-data body. */
export function isMultipart (req: IncomingMessage): boolean {
  return /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')
}

/**
 * Streams the files of a Kubo-style multipart upload as command inputs: each part's
 * filename is the URL-encoded relative path, `application/x-directory` parts are
 * directories, and `mode` / `mtime` / `mtime-nsecs` ride in the part name's query
 * (`file?mode=0644&mtime=…`, as kubo-rpc-client sends them). Nothing is buffered: busboy
 * waits while a part's content is not read, so the command must read each file's content
 * (importers read ahead, so parts are not drained when the next entry is asked for).
 * When `signal` aborts (the client went away), the part being read fails with the abort
 * reason.
 */
export function multipartInputs (req: IncomingMessage, signal: AbortSignal): AsyncIterable<InputEntry> {
  let parser: busboy.Busboy
  try {
    parser = busboy({ headers: req.headers, preservePath: true, highWaterMark: 1024 * 1024, fileHwm: 1024 * 1024 })
  } catch (err) {
    throw new UsageError(`bad multipart body: ${(err as Error).message}`)
  }
  const queue: Event[] = []
  let wake: (() => void) | undefined
  const push = (event: Event): void => {
    queue.push(event)
    wake?.()
  }
  parser.on('file', (fieldName, stream, info) => {
    // a part cut off by an abort fails its reader; unread, it must not crash the process
    stream.on('error', () => {})
    push({ kind: 'part', fieldName, filename: info.filename, mimeType: info.mimeType, stream })
  })
  parser.on('field', () => {})
  parser.on('close', () => push({ kind: 'end' }))
  parser.on('error', error => push({ kind: 'error', error: new UsageError(`bad multipart body: ${(error as Error).message}`) }))
  const abort = (): void => { parser.destroy(signal.reason as Error) }
  signal.addEventListener('abort', abort, { once: true })
  req.on('error', err => parser.destroy(err))
  req.pipe(parser)

  async function * entries (): AsyncGenerator<InputEntry> {
    let previous: Readable | undefined
    try {
      while (true) {
        if (signal.aborted) throw signal.reason
        const event = queue.shift()
        if (event == null) {
          await new Promise<void>(resolve => { wake = resolve })
          wake = undefined
          continue
        }
        if (event.kind === 'end') return
        if (event.kind === 'error') throw event.error
        const entry = toEntry(event)
        if (entry.content == null) event.stream.resume()
        previous = event.stream
        yield entry
      }
    } finally {
      signal.removeEventListener('abort', abort)
      previous?.resume()
    }
  }
  return entries()
}

function toEntry (part: Extract<Event, { kind: 'part' }>): InputEntry {
  let path: string
  try {
    path = decodeURIComponent(part.filename ?? '')
  } catch {
    throw new UsageError(`bad multipart filename "${part.filename ?? ''}"`)
  }
  const entry: InputEntry = { path }
  if (part.mimeType !== 'application/x-directory') entry.content = part.stream
  const query = new URLSearchParams(part.fieldName.split('?')[1] ?? '')
  const mode = query.get('mode')
  if (mode != null && /^[0-7]{1,6}$/.test(mode)) entry.mode = Number.parseInt(mode, 8)
  const secs = query.get('mtime')
  if (secs != null && /^-?\d+$/.test(secs)) {
    const nsecs = Number(query.get('mtime-nsecs') ?? 0)
    entry.mtime = new Date(Number(secs) * 1000 + Math.floor((Number.isFinite(nsecs) ? nsecs : 0) / 1e6))
  }
  return entry
}
