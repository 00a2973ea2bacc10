import { IsDirectoryError, NotUnixfsError, UsageError } from '../errors.js'
import { formatContentPath, type ContentPath } from '../content/content-path.js'
import { fileBytes, resolveEntry } from './exported-entry.js'
import type { CairnNode } from '../node.js'

/** Options for {@link catFile}. */
export interface CatOptions {
  offset?: number
  length?: number
  signal?: AbortSignal
}

function checkCount (name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new UsageError(`--${name} must be a whole number >= 0`)
  }
}

/**
 * Streams the bytes of the file at a content path, optionally a range of them. Only the
 * blocks the range covers are read.
 */
export async function * catFile (node: CairnNode, path: ContentPath, options: CatOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  checkCount('offset', options.offset)
  checkCount('length', options.length)
  const read = options.signal != null ? { signal: options.signal } : {}
  const entry = await resolveEntry(node, path, read)
  if (entry.type === 'directory') {
    throw new IsDirectoryError(`${formatContentPath(path)}: this dag node is a directory`)
  }
  if (entry.type === 'object') {
    throw new NotUnixfsError(`${formatContentPath(path)}: not a UnixFS file`)
  }
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    throw new NotUnixfsError(`${formatContentPath(path)}: is a symlink, not a file`)
  }
  // like Kubo: an offset at or past the end reads nothing (it is not an error)
  if (options.length === 0 || (options.offset !== undefined && options.offset >= Number(entry.size))) return
  yield * fileBytes(node, entry, path, {
    ...read,
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    ...(options.length !== undefined ? { length: options.length } : {})
  })
}
