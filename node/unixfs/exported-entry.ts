import { setMaxListeners } from 'node:events'
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import { exporterOptions, resolvePath, translateReadError, type ReadOptions } from '../content/resolve.js'
import { checkedBlocks } from './checked-blocks.js'
import { readFileBytes } from './file-bytes.js'
import type { PBNode } from '@ipld/dag-pb'
import type { ContentPath } from '../content/content-path.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/**
 * The entry at a CID, read through the node's content blocks (whole, hash-checked on
 * read) and {@link checkedBlocks} (their UnixFS fields checked: ERR_INVALID_DAG).
 */
export async function exportEntry (node: CairnNode, cid: CID, path: ContentPath, options: ReadOptions = {}): Promise<UnixFSEntry> {
  try {
    return await exporter(cid, checkedBlocks(node.blocks), exporterOptions(node, options))
  } catch (err) {
    throw translateReadError(err, path)
  }
}

/** Resolves `<cid>/path` and returns the entry at its end, ready to stream. */
export async function resolveEntry (node: CairnNode, path: ContentPath, options: ReadOptions = {}): Promise<UnixFSEntry> {
  // the exporter adds one abort listener per block it loads in parallel
  if (options.signal != null) setMaxListeners(Infinity, options.signal)
  if (path.segments.length === 0) return await exportEntry(node, path.root, path, options)
  // the walk exported the entry at its end already
  return (await resolvePath(node, path, options)).entry
}

/** Re-throws errors from a content stream as Cairn's typed errors. */
export async function * translated<T> (source: AsyncIterable<T>, path: ContentPath): AsyncGenerator<T, void, undefined> {
  try {
    yield * source
  } catch (err) {
    throw translateReadError(err, path)
  }
}

/** A file-like entry: a UnixFS file, or a raw or identity block. */
type FileEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>

/**
 * Streams a file entry's bytes with backpressure (see {@link readFileBytes}), offline when
 * the node is, with read errors translated.
 */
export function fileBytes (node: CairnNode, entry: FileEntry, path: ContentPath, options: ReadOptions & { offset?: number, length?: number } = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const root: PBNode | Uint8Array = entry.node
  return translated(readFileBytes(checkedBlocks(node.blocks), root, entry.size, {
    ...exporterOptions(node, options),
    budget: node.readBudget,
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    ...(options.length !== undefined ? { length: options.length } : {})
  }), path)
}
