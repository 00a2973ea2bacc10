import { NotUnixfsError, UnsafePathError } from '../errors.js'
import { formatContentPath, type ContentPath } from '../content/content-path.js'
import { exporterOptions } from '../content/resolve.js'
import { exportEntry, fileBytes, resolveEntry, translated } from './exported-entry.js'
import { assertSafeName } from './safe-name.js'
import type { TreeEntry } from './entries.js'
import type { CairnNode } from '../node.js'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { Mtime } from 'ipfs-unixfs'

function toDate (mtime: Mtime | undefined): Date | undefined {
  if (mtime == null) return undefined
  return new Date(Number(mtime.secs) * 1000 + Math.floor((mtime.nsecs ?? 0) / 1_000_000))
}

/**
 * Streams the file or directory tree at a content path, depth first, as {@link TreeEntry}
 * values with paths relative to it ('' is the root). Every entry name is checked before
 * it is yielded: a name that could escape the output folder stops the export with
 * {@link UnsafePathError}, as does a name that appears twice in one directory.
 */
export async function * exportTree (node: CairnNode, path: ContentPath, options: { signal?: AbortSignal } = {}): AsyncGenerator<TreeEntry, void, undefined> {
  const root = await resolveEntry(node, path, options)
  yield * walk(node, root, '', path, options)
}

async function * walk (node: CairnNode, entry: UnixFSEntry, rel: string, path: ContentPath, options: { signal?: AbortSignal }): AsyncGenerator<TreeEntry, void, undefined> {
  const where = `${formatContentPath(path)}${rel === '' ? '' : '/' + rel}`
  const read = exporterOptions(node, options)
  if (entry.type === 'raw' || entry.type === 'identity') {
    yield { path: rel, type: 'file', content: fileBytes(node, entry, path, options), size: entry.size }
    return
  }
  if (entry.type === 'object') throw new NotUnixfsError(`${where}: not UnixFS`)
  const mtime = toDate(entry.unixfs.mtime)
  const mode = entry.unixfs.mode
  const meta = { ...(mode != null ? { mode } : {}), ...(mtime != null ? { mtime } : {}) }
  if (entry.type === 'file') {
    if (entry.unixfs.type === 'symlink') {
      yield { path: rel, type: 'symlink', target: new TextDecoder().decode(entry.unixfs.data ?? new Uint8Array()), ...meta }
      return
    }
    yield { path: rel, type: 'file', content: fileBytes(node, entry, path, options), size: entry.size, ...meta }
    return
  }
  yield { path: rel, type: 'directory', ...meta }
  const seen = new Set<string>()
  for await (const child of translated(entry.entries(read), path)) {
    assertSafeName(child.name, where)
    if (seen.has(child.name)) throw new UnsafePathError(`${where}: entry name ${JSON.stringify(child.name)} appears twice`)
    seen.add(child.name)
    const childRel = rel === '' ? child.name : `${rel}/${child.name}`
    const exported = await exportEntry(node, child.cid, path, options)
    yield * walk(node, exported, childRel, path, options)
  }
}
