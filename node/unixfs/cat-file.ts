import { IsDirectoryError, NotUnixfsError, UsageError } from '../errors.js'
import { formatContentPath, type ContentPath } from '../content/content-path.js'
import { fileBytes, resolveEntry } from './exported-entry.js'
import type { CairnNode } from '../node.js'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'

/** Options for {@link catFiles}. */
export interface CatOptions {
  /** Bytes to skip, counted across the files in order. */
  offset?: number
  /** Most bytes to give, in total. */
  length?: number
  signal?: AbortSignal
}

function checkCount (name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new UsageError(`--${name} must be a whole number >= 0`)
  }
}

type FileEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>

async function fileAt (node: CairnNode, path: ContentPath, signal?: AbortSignal): Promise<FileEntry> {
  const entry = await resolveEntry(node, path, signal != null ? { signal } : {})
  if (entry.type === 'directory') {
    throw new IsDirectoryError(`${formatContentPath(path)}: this dag node is a directory`)
  }
  if (entry.type === 'object') {
    throw new NotUnixfsError(`${formatContentPath(path)}: not a UnixFS file`)
  }
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    throw new NotUnixfsError(`${formatContentPath(path)}: is a symlink, not a file`)
  }
  return entry
}

/**
 * Streams the bytes of the files at the content paths, one after the other, optionally a
 * range of the whole (Kubo's `cat`: the offset may skip whole files; an offset past the
 * end reads nothing). Every path is resolved before the first byte is given, and only
 * the blocks the range covers are read.
 */
export async function * catFiles (node: CairnNode, paths: ContentPath[], options: CatOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  checkCount('offset', options.offset)
  checkCount('length', options.length)
  const files: FileEntry[] = []
  for (const path of paths) files.push(await fileAt(node, path, options.signal))
  let offset = options.offset ?? 0
  let remaining = options.length
  for (const [i, entry] of files.entries()) {
    if (remaining === 0) return
    const size = Number(entry.size)
    if (offset >= size) {
      offset -= size
      continue
    }
    const take = remaining === undefined ? size - offset : Math.min(remaining, size - offset)
    yield * fileBytes(node, entry, paths[i] as ContentPath, {
      ...(options.signal != null ? { signal: options.signal } : {}),
      offset,
      length: take
    })
    if (remaining !== undefined) remaining -= take
    offset = 0
  }
}
