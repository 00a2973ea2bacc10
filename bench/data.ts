import { Readable } from 'node:stream'

/**
 * Deterministic, incompressible-looking bytes (xorshift32), generated in 1 MiB pieces so
 * benchmarks never hold a whole file in memory.
 */
export function patternStream (bytes: number, seed = 0x9e3779b9): Readable {
  let state = seed >>> 0
  let left = bytes
  return new Readable({
    read () {
      if (left <= 0) { this.push(null); return }
      const size = Math.min(left, 1024 * 1024)
      const buf = Buffer.allocUnsafe(size)
      for (let i = 0; i + 4 <= size; i += 4) {
        state ^= state << 13; state >>>= 0
        state ^= state >>> 17
        state ^= state << 5; state >>>= 0
        buf.writeUInt32LE(state, i)
      }
      buf.fill(7, size - (size % 4))
      left -= size
      this.push(buf)
    }
  })
}
