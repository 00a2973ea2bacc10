import type { InputEntry } from '../node/commands/command.js'

/** A streamed multipart/form-data body and its Content-Type (with the boundary). */
export interface MultipartBody {
  contentType: string
  parts: AsyncIterable<Uint8Array>
}

const crlf = Buffer.from('\r\n')

/**
 * Encodes command inputs as Kubo's multipart upload: one part per entry named `file`,
 * the filename the URL-encoded relative path, `application/x-directory` for directories,
 * and `mode` / `mtime` / `mtime-nsecs` in the part name's query (as kubo-rpc-client does).
 * File content is streamed through as it is read; nothing is held whole.
 */
export function multipartBody (entries: AsyncIterable<InputEntry>): MultipartBody {
  // random enough that no file holds it by chance (undici's FormData uses Math.random
  // too); node:crypto would cost the CLI a few ms to load
  const boundary = `cairn-${Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('')}`
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    parts: encode(entries, boundary)
  }
}

async function * encode (entries: AsyncIterable<InputEntry>, boundary: string): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    const type = entry.content != null ? 'application/octet-stream' : 'application/x-directory'
    yield Buffer.from(
      `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${partName(entry)}"; filename="${encodeURIComponent(entry.path)}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`
    )
    if (entry.content != null) {
      for await (const chunk of entry.content) yield chunk
    }
    yield crlf
  }
  yield Buffer.from(`--${boundary}--\r\n`)
}

function partName (entry: InputEntry): string {
  const query = new URLSearchParams()
  if (entry.mode != null) query.set('mode', entry.mode.toString(8).padStart(4, '0'))
  if (entry.mtime != null) {
    const ms = entry.mtime.getTime()
    const secs = Math.floor(ms / 1000)
    query.set('mtime', String(secs))
    query.set('mtime-nsecs', String((ms - secs * 1000) * 1e6))
  }
  const text = query.toString()
  return text === '' ? 'file' : `file?${text}`
}
