import { createHash } from 'node:crypto'
import { IDENTITY, SHA2_256, SHA2_512 } from '../dag/codecs.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

const equals = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

const nodeHashes = new Map<number, string>([
  [SHA2_256, 'sha256'],
  [SHA2_512, 'sha512']
])

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
