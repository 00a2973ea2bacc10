import { opendir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { RAW } from '../dag/codecs.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

const EXTENSION = '.data'

/** One file under `<repo>/blocks` as blockstore-fs lays them out (`<XY>/<B…XY>.data`). */
export interface BlockFile {
  /** Absolute path of the file. */
  path: string
  /** The key: the multihash in base32upper, as blockstore-fs names the file. */
  key: string
  /** The multihash the name encodes, or undefined when the name is not one. */
  multihash?: MultihashDigest
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
 * Streams every block file under a blockstore-fs folder, with its size, without loading
 * the listing of the whole store at once. Temp files of interrupted writes (steno's
 * `.<name>.tmp`) are not blocks: see {@link tempFiles}.
 */
export async function * blockFiles (blocksDir: string): AsyncGenerator<BlockFile> {
  for await (const path of filesUnder(blocksDir)) {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (!name.endsWith(EXTENSION) || name.startsWith('.')) continue
    const key = name.slice(0, -EXTENSION.length)
    const info = await stat(path).catch(() => undefined)
    if (info == null) continue // removed while we were listing
    const multihash = decodeKey(key)
    yield { path, key, size: info.size, ...(multihash != null ? { multihash } : {}) }
  }
}

/** Temp files left by block writes that never finished (a killed process). */
export async function * tempFiles (blocksDir: string): AsyncGenerator<string> {
  for await (const path of filesUnder(blocksDir)) {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (name.startsWith('.') && name.endsWith('.tmp')) yield path
  }
}

/** Every regular file under a folder, recursively (nothing when the folder is missing). */
export async function * filesUnder (dir: string): AsyncGenerator<string> {
  let handle
  try {
    handle = await opendir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  for await (const entry of handle) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield * filesUnder(path)
    else if (entry.isFile()) yield path
  }
}
