import { UsageError } from '../errors.js'

/** How file bytes are cut into chunks: fixed-size or content-defined (rabin). */
export type ChunkerSpec =
  | { type: 'fixed', size: number }
  | { type: 'rabin', min: number, avg: number, max: number }

/** Everything that decides the shape (and so the CIDs) of an imported DAG. */
export interface ImportProfile {
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunker: ChunkerSpec
  /** Most links in one file node (balanced and trickle layouts). */
  maxChildrenPerNode: number
  layout: 'balanced' | 'trickle'
  /** Directories whose estimated node size exceeds this become HAMT shards. */
  shardSplitThresholdBytes: number
  /** How that size is estimated: Kubo legacy counts name + CID bytes, IPIP-499 the real block. */
  shardSplitStrategy: 'links-bytes' | 'block-bytes'
  wrapWithDirectory: boolean
  preserveMode: boolean
  preserveMtime: boolean
}

/** Kubo's largest chunk: a chunk plus dag-pb framing must fit a 2 MiB block. */
export const maxChunkSize = 2 * 1024 * 1024 - 256
const KiB = 1024
/** Kubo's legacy chunk size (unixfs-v0-2015), and the default size of `size-` chunkers. */
export const legacyChunkSize = 256 * KiB

/**
 * Parses Kubo's `--chunker` values: `size-N`, `size` (256 KiB), `rabin`, `rabin-AVG`,
 * `rabin-MIN-AVG-MAX`. `defaultSize` is what a bare `size` means under the profile.
 */
export function parseChunker (text: string, defaultSize = legacyChunkSize): ChunkerSpec {
  const parts = text.split('-')
  const [kind, ...numbers] = parts
  const values = numbers.map(n => /^\d+$/.test(n) ? Number(n) : NaN)
  if (values.some(v => !Number.isSafeInteger(v))) {
    throw new UsageError(`invalid chunker "${text}": sizes must be whole numbers`)
  }
  if (kind === 'size') {
    if (values.length > 1) throw new UsageError(`invalid chunker "${text}": use size-N`)
    const size = values[0] ?? defaultSize
    if (size <= 0) throw new UsageError(`invalid chunker "${text}": chunk size must be greater than 0`)
    if (size > maxChunkSize) throw new UsageError(`invalid chunker "${text}": chunk size must be at most ${maxChunkSize} bytes`)
    return { type: 'fixed', size }
  }
  if (kind === 'rabin') {
    let min: number, avg: number, max: number
    if (values.length === 0 || values.length === 1) {
      avg = values[0] ?? legacyChunkSize
      min = Math.floor(avg / 3)
      max = avg + Math.floor(avg / 2)
    } else if (values.length === 3) {
      [min, avg, max] = values as [number, number, number]
    } else {
      throw new UsageError(`invalid chunker "${text}": use rabin-AVG or rabin-MIN-AVG-MAX`)
    }
    if (!(min > 0 && min <= avg && avg <= max)) {
      throw new UsageError(`invalid chunker "${text}": need 0 < MIN <= AVG <= MAX`)
    }
    if (max > maxChunkSize) throw new UsageError(`invalid chunker "${text}": MAX must be at most ${maxChunkSize} bytes`)
    return { type: 'rabin', min, avg, max }
  }
  throw new UsageError(`unknown chunker "${text}" (use size-N or rabin-MIN-AVG-MAX)`)
}
