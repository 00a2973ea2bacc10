import { extname } from 'node:path'
import { fileTypeFromBuffer } from 'file-type'
import mime from 'mime-types'

/** How many leading bytes {@link sniffContentType} wants (file-type's sample size). */
export const sniffBytes = 4100

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The Content-Type of a file, as boxo decides it: by the name's extension when it has a
 * known one, else by magic bytes (file-type), else HTML/SVG/XML by their first tag, else
 * `text/plain; charset=utf-8` for text and `application/octet-stream` for the rest.
 */
export async function sniffContentType (name: string | undefined, head: Uint8Array): Promise<string> {
  if (name != null && extname(name) !== '') {
    const byName = mime.contentType(extname(name))
    if (byName !== false) return byName
  }
  if (head.byteLength === 0) return 'text/plain; charset=utf-8'
  const magic = await fileTypeFromBuffer(head)
  if (magic != null) return magic.mime
  const text = decodeText(head)
  if (text == null) return 'application/octet-stream'
  const start = text.trimStart().slice(0, 256).toLowerCase()
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<head') || start.startsWith('<body')) {
    return 'text/html; charset=utf-8'
  }
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) return 'image/svg+xml'
  if (start.startsWith('<?xml')) return 'text/xml; charset=utf-8'
  return 'text/plain; charset=utf-8'
}

/** The sample as text, or undefined when it is binary (invalid UTF-8 or control bytes). */
function decodeText (head: Uint8Array): string | undefined {
  // the sample may end inside a multi-byte character: allow up to 3 trailing bytes
  for (let cut = 0; cut <= 3 && cut < head.byteLength; cut++) {
    try {
      const text = utf8.decode(head.subarray(0, head.byteLength - cut))
      // eslint-disable-next-line no-control-regex
      return /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/.test(text) ? undefined : text
    } catch {}
  }
  return undefined
}
