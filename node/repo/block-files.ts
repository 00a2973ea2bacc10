import { opendir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import parallel from 'it-parallel'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { RAW } from '../dag/codecs.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

const EXTENSION = '.data'

/**
 * File-system calls in flight at once in a pass over the store: they wait on the disk
 * and libuv's threads (4 by default), so one at a time leaves both mostly idle.
 */
const FS_CONCURRENCY = 16

/** One file under `<repo>/blocks` as blockstore-fs lays them out (`<XY>/<B…XY>.data`), known from its name. */
export interface BlockEntry {
  /** Absolute path of the file. */
  path: string
  /** The key: the multihash in base32upper, as blockstore-fs names the file. */
  key: string
  /** The multihash the name encodes, or undefined when the name is not one. */
  multihash?: MultihashDigest
}

/** A {@link BlockEntry} with its size on disk. */
export interface BlockFile extends BlockEntry {
  size: number
}

/** The blockstore-fs key of a multihash (the file name without its extension). */
export function blockKey (multihash: MultihashDigest): string {
  return base32upper.encode(multihash.bytes)
}

/** The file blockstore-fs keeps a block in (its default next-to-last/2 sharding). */
export function blockFilePath (blocksDir: string, multihash: MultihashDigest): string {
  const key = blockKey(multihash)
  return join(blocksDir, key.slice(-2), `${key}${EXTENSION}`)
}

/** A block's multihash as a CIDv1 with the raw codec (how a bare multihash is shown as a CID, as Kubo names bare blocks). */
export function blockCid (multihash: MultihashDigest): CID {
  return CID.createV1(RAW, multihash)
}

function decodeKey (key: string): MultihashDigest | undefined {
  try {
    return Digest.decode(base32upper.decode(key))
  } catch {
    return undefined
  }
}

/**
 * Streams every block file under a blockstore-fs folder, named but not stat'ed, without
 * loading the listing of the whole store at once. Temp files of interrupted writes
 * (steno's `.<name>.tmp`) are not blocks: see {@link tempFiles}.
 */
export async function * blockEntries (blocksDir: string): AsyncGenerator<BlockEntry> {
  for await (const path of filesUnder(blocksDir)) {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (!name.endsWith(EXTENSION) || name.startsWith('.')) continue
    const key = name.slice(0, -EXTENSION.length)
    const multihash = decodeKey(key)
    yield { path, key, ...(multihash != null ? { multihash } : {}) }
  }
}

/**
 * Runs `job` on each item with {@link FS_CONCURRENCY} in flight, yielding the results
 * that are not undefined as they finish (not in input order).
 */
export async function * concurrently<T, R> (items: AsyncIterable<T>, job: (item: T) => Promise<R | undefined>): AsyncGenerator<R> {
  async function * jobs (): AsyncGenerator<() => Promise<R | undefined>> {
    for await (const item of items) yield async () => await job(item)
  }
  for await (const result of parallel(jobs(), { concurrency: FS_CONCURRENCY })) {
    if (result !== undefined) yield result
  }
}

/** The size of a file, or undefined when it is gone (removed while a pass was listing it). */
export async function fileSize (path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.size
}

/** {@link blockEntries} with their sizes, stat'ed {@link FS_CONCURRENCY} at a time (so not in listing order). */
export async function * blockFiles (blocksDir: string): AsyncGenerator<BlockFile> {
  yield * concurrently(blockEntries(blocksDir), async entry => {
    const size = await fileSize(entry.path)
    return size !== undefined ? { ...entry, size } : undefined
  })
}

/**
 * The block file a temp file is written for (`.<key>.data.<pid>-<n>.tmp`, or steno's
 * `.<key>.data.tmp`), undefined for a temp file of no block.
 */
export function blockFileOfTemp (path: string): string | undefined {
  const name = basename(path)
  const end = name.indexOf(EXTENSION)
  return name.startsWith('.') && end > 1 ? join(dirname(path), name.slice(1, end + EXTENSION.length)) : undefined
}

/** Temp files of block writes: left by writes that never finished (a killed process), or of writes under way. */
export async function * tempFiles (blocksDir: string): AsyncGenerator<string> {
  for await (const path of filesUnder(blocksDir)) {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (name.startsWith('.') && name.endsWith('.tmp')) yield path
  }
}

/**
 * Every regular file under a folder, recursively (nothing when the folder is missing),
 * leaving out the folder `except` and what is below it.
 */
export async function * filesUnder (dir: string, except?: string): AsyncGenerator<string> {
  let handle
  try {
    handle = await opendir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  for await (const entry of handle) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (path !== except) yield * filesUnder(path, except)
    } else if (entry.isFile()) yield path
  }
}
