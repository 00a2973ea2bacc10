import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { blockFilePath as blockFile } from '../../node/repo/block-files.js'

/** The file blockstore-fs keeps a block in, under `<repo>/blocks`. */
export function blockFilePath (repo: string, cid: string): string {
  return blockFile(join(repo, 'blocks'), CID.parse(cid).multihash)
}

/** Flips one byte of a block's file on disk, as a failing disk would. */
export async function corruptBlockFile (repo: string, cid: string): Promise<void> {
  const path = blockFilePath(repo, cid)
  const bytes = await readFile(path)
  bytes[0] = (bytes[0] ?? 0) ^ 0xff
  await writeFile(path, bytes)
}
