import { createHash, webcrypto } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { IDENTITY, SHA2_256, SHA2_512 } from '../dag/codecs.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

const equals = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

const nodeHashes = new Map<number, string>([
  [SHA2_256, 'sha256'],
  [SHA2_512, 'sha512']
])

/** WebCrypto's names of the hash functions in {@link nodeHashes}. */
const webHashes = new Map<number, string>([
  [SHA2_256, 'SHA-256'],
  [SHA2_512, 'SHA-512']
])

/**
 * Blocks at least this large are hashed on libuv's threads (WebCrypto's `digest`) rather
 * than on the main thread: below it the hand-over costs more than the hash (a 4 KiB block
 * took 4 µs in place, 12 µs on a thread; 64 KiB 36 against 28 µs).
 */
const threadedBytes = 64 * 1024

/**
 * Hashes on libuv's threads at once: one per core, and at most half of libuv's threads,
 * which the file system's calls need too.
 */
const maxThreaded = Math.max(1, Math.min(availableParallelism(), Math.floor(Number(process.env.UV_THREADPOOL_SIZE ?? 4) / 2)))
let threaded = 0
/** Hashes waiting for a thread (`'wait'`, see {@link ThreadUse}), first come first served. */
const waiting: Array<() => void> = []

async function onThread (algorithm: string, bytes: Uint8Array): Promise<Uint8Array> {
  threaded++
  try {
    return new Uint8Array(await webcrypto.subtle.digest(algorithm, bytes))
  } finally {
    threaded--
    waiting.shift()?.()
  }
}

const threadsBusy = (): boolean => threaded >= maxThreaded

/** Resolves when a threaded hash ends (a thread may be free: check again). */
async function hashEnded (): Promise<void> {
  await new Promise<void>(resolve => { waiting.push(resolve) })
}

/**
 * Where a large block is hashed ({@link HashOptions.thread}):
 * - `'free'`: on one of libuv's threads if one is free, else in place. Right for the
 *   importer, whose main thread has chunks of its own to cut meanwhile (`add -n` took
 *   1.18x as long waiting).
 * - `'wait'`: on a thread, waiting for one to be free. Right for reads that verify
 *   blocks: hashed in place, a block holds up the main thread, and with it the threads'
 *   finished hashes and the next reads (a 512 MiB `cat` hashed 400 of its 512 blocks in
 *   place, and each threaded hash took 8.6 ms instead of 0.9; waiting took the gateway's
 *   512 MiB download from 730–770 to 850–870 MiB/s).
 * - `'none'`: in place whatever the size. Right for a stream of blocks checked one after
 *   the other as they arrive (a peer's CAR): a threaded hash copies the block first and
 *   competes with the blocks' writes for libuv's threads, and a 256 MiB peer fetch took
 *   1.6–2.4 s that way against 1.3–1.8 s in place.
 */
export type ThreadUse = 'free' | 'wait' | 'none'

/** Options for {@link blockDigest}. */
export interface HashOptions {
  /** Where a block of 64 KiB or more is hashed: {@link ThreadUse}. */
  thread?: ThreadUse
}

/**
 * The digest of `bytes` under a supported hash function other than identity: a large
 * block's computed on one of libuv's threads while one is free, by default (WebCrypto
 * copies the bytes first), so the main thread reads, writes and hashes other blocks meanwhile.
 */
export async function blockDigest (code: number, bytes: Uint8Array, options: HashOptions = {}): Promise<Uint8Array> {
  const web = webHashes.get(code)
  if (web == null) throw new Error(`unsupported hash function ${hashName(code)}`)
  const thread = options.thread ?? 'free'
  if (bytes.byteLength >= threadedBytes && thread !== 'none') {
    // checked and taken in one synchronous step: nothing can take the thread in between
    if (thread === 'wait') while (threadsBusy()) await hashEnded()
    if (!threadsBusy()) return await onThread(web, bytes)
  }
  return createHash(nodeHashes.get(code) as string).update(bytes).digest()
}

/** True when `bytes` are the block `multihash` names; hashed as {@link blockDigest} does, waiting for a thread unless `options` say otherwise. */
export async function blockMatches (multihash: MultihashDigest, bytes: Uint8Array, options: HashOptions = { thread: 'wait' }): Promise<boolean> {
  if (multihash.code === IDENTITY) return equals(multihash.digest, bytes)
  return equals(multihash.digest, await blockDigest(multihash.code, bytes, options))
}

/** The name of a multihash code for messages: `sha2-256`, or `0x1e` for an unknown one. */
export function hashName (code: number): string {
  switch (code) {
    case IDENTITY: return 'identity'
    case SHA2_256: return 'sha2-256'
    case SHA2_512: return 'sha2-512'
    default: return `0x${code.toString(16)}`
  }
}

/** True when blocks hashed with this multihash code can be checked. */
export function isSupportedHash (code: number): boolean {
  return code === IDENTITY || nodeHashes.has(code)
}

/** Hashes a block's bytes piece by piece and says at the end whether they match its multihash. */
export interface BlockHasher {
  update: (piece: Uint8Array) => void
  /** True when the pieces given so far hash to the multihash. */
  matches: () => boolean
}

/**
 * A {@link BlockHasher} for `multihash`. Throws for a hash function Cairn does not
 * support (check {@link isSupportedHash} first to give a better message).
 */
export function blockHasher (multihash: MultihashDigest): BlockHasher {
  if (multihash.code === IDENTITY) {
    const pieces: Uint8Array[] = []
    return { update: piece => { pieces.push(piece) }, matches: () => equals(multihash.digest, Buffer.concat(pieces)) }
  }
  const algorithm = nodeHashes.get(multihash.code)
  if (algorithm == null) throw new Error(`unsupported hash function ${hashName(multihash.code)}`)
  const hash = createHash(algorithm)
  return { update: piece => { hash.update(piece) }, matches: () => equals(multihash.digest, hash.digest()) }
}
