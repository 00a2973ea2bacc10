import { createHash } from 'node:crypto'

/** Size of the pseudo-random block that {@link deterministicChunks} repeats with a counter stamped in. */
const blockSize = 1024 * 1024

/** xorshift32: a tiny seeded PRNG, so the bytes are the same on every machine. */
function pseudoRandomBlock (seed: number): Buffer {
  const out = Buffer.allocUnsafe(blockSize)
  let x = seed >>> 0 || 1
  for (let i = 0; i < blockSize; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out.writeUInt32LE(x, i)
  }
  return out
}

/**
 * `size` deterministic bytes, yielded in 1 MiB pieces: one pseudo-random MiB with the
 * piece number written into its first 8 bytes, so no two MiB are alike (no dedup) and
 * generating gigabytes costs little more than copying.
 */
export function * deterministicChunks (size: number, seed = 2026): Generator<Buffer> {
  const base = pseudoRandomBlock(seed)
  let index = 0
  for (let offset = 0; offset < size; offset += blockSize, index++) {
    const piece = Buffer.from(base.subarray(0, Math.min(blockSize, size - offset)))
    if (piece.length >= 8) piece.writeBigUInt64LE(BigInt(index), 0)
    yield piece
  }
}

/** All of {@link deterministicChunks} in one buffer (for small sizes). */
export function deterministicBytes (size: number, seed = 2026): Buffer {
  return Buffer.concat([...deterministicChunks(size, seed)])
}

/** sha256 hex of a byte stream, computed as it flows. */
export async function sha256Of (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of source) hash.update(chunk)
  return hash.digest('hex')
}
