import { createCipheriv } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'

const piece = 1024 * 1024
const zeros = Buffer.alloc(piece)

/**
 * Deterministic, incompressible bytes: an AES-128-CTR keystream (fast enough that the
 * generator never bounds a benchmark), in 1 MiB pieces so nothing holds a whole file.
 */
export function patternStream (bytes: number, seed = 1): Readable {
  const key = Buffer.alloc(16, seed)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
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

/** Files per folder of {@link writeFileTree}: small folders, so that no directory is sharded. */
const perFolder = 1000

/**
 * Writes `count` small files (100–1000 bytes, each distinct: its seed and number come
 * first, then a keystream slice) under `root`, a thousand to a folder: `d0000/f0000000`.
 */
export function writeFileTree (root: string, count: number, seed: number): void {
  const stream = createCipheriv('aes-128-ctr', Buffer.alloc(16, seed), Buffer.alloc(16)).update(zeros)
  for (let i = 0; i < count; i++) {
    const folder = join(root, `d${String(Math.floor(i / perFolder)).padStart(4, '0')}`)
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true })
    const size = 100 + (i * 7919) % 901
    const at = (i * 4099) % (piece - size)
    const head = Buffer.from(`${seed}:${i}\n`)
    writeFileSync(join(folder, `f${String(i).padStart(7, '0')}`), Buffer.concat([head, stream.subarray(at, at + size - head.length)]))
  }
}
