import { createCipheriv } from 'node:crypto'
import { Readable } from 'node:stream'

const piece = 1024 * 1024

/**
 * Deterministic, incompressible bytes: an AES-128-CTR keystream (fast enough that the
 * generator never bounds a benchmark), in 1 MiB pieces so nothing holds a whole file.
 */
export function patternStream (bytes: number, seed = 1): Readable {
  const key = Buffer.alloc(16, seed)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(piece)
  let left = bytes
  return new Readable({
    read () {
      if (left <= 0) { this.push(null); return }
      const size = Math.min(left, piece)
      left -= size
      this.push(cipher.update(size === piece ? zeros : zeros.subarray(0, size)))
    }
  })
}
