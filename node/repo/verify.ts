import { access, readFile } from 'node:fs/promises'
import { blockCid, blockFilePath, blockFiles, type BlockFile } from './block-files.js'
import { blockHasher, blockMatches, hashName, isSupportedHash } from './block-hash.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** The result of re-hashing one block file. */
export interface BlockCheck {
  file: BlockFile
  /** Why the block is bad; absent when it is good. */
  problem?: string
}

/** Why `bytes` are not the block `multihash` names, or undefined when they are (a large block is hashed off the main thread: {@link blockMatches}). */
export async function blockProblem (multihash: MultihashDigest, bytes: Uint8Array): Promise<string | undefined> {
  if (!isSupportedHash(multihash.code)) return unsupported(multihash.code)
  return await blockMatches(multihash, bytes) ? undefined : mismatch(multihash)
}

const unsupported = (code: number): string => `unsupported hash function ${hashName(code)}`
const mismatch = (multihash: MultihashDigest): string => `bytes do not hash to ${blockCid(multihash).toString()}`

/** Checks a block read piece by piece: {@link blockProblem} without holding the whole block. */
export interface BlockChecker {
  update: (piece: Uint8Array) => void
  /** Why the pieces given so far are not the block, or undefined when they are. */
  problem: () => string | undefined
}

/** A {@link BlockChecker} for the block `multihash` names. */
export function blockChecker (multihash: MultihashDigest): BlockChecker {
  if (!isSupportedHash(multihash.code)) {
    return { update: () => {}, problem: () => unsupported(multihash.code) }
  }
  const hasher = blockHasher(multihash)
  return {
    update: hasher.update,
    problem: () => hasher.matches() ? undefined : mismatch(multihash)
  }
}

/**
 * Re-hashes every block file of a blockstore-fs folder, one at a time, and yields one
 * result per file. A file whose name is not a multihash is reported as bad too.
 */
export async function * checkBlockFiles (blocksDir: string, signal?: AbortSignal): AsyncGenerator<BlockCheck> {
  for await (const file of blockFiles(blocksDir)) {
    signal?.throwIfAborted()
    if (file.multihash == null) {
      yield { file, problem: 'file name is not a multihash' }
      continue
    }
    let bytes: Uint8Array
    try {
      bytes = await readFile(file.path)
    } catch (err) {
      yield { file, problem: `unreadable: ${(err as Error).message}` }
      continue
    }
    const problem = await blockProblem(file.multihash, bytes)
    yield problem == null ? { file } : { file, problem }
  }
}

/** A block file that failed its hash on read and was moved aside (see HashingBlockstore). */
export interface MovedAside {
  file: BlockFile
  /** True when a good copy is in the blockstore again (fetched from a peer, re-added). */
  restored: boolean
}

/** The block files under `<repo>/corrupt`, and whether each block is back in `blocks/`. */
export async function * movedAsideBlocks (corruptDir: string, blocksDir: string): AsyncGenerator<MovedAside> {
  for await (const file of blockFiles(corruptDir)) {
    const restored = file.multihash != null && await access(blockFilePath(blocksDir, file.multihash)).then(() => true, () => false)
    yield { file, restored }
  }
}
