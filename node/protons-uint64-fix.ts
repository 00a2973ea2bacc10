import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * protons-runtime (7.x and 8.0.1, the latest) writes unsigned 64-bit varints in
 * [2^31, 2^32) wrongly: `LongBits` keeps its low word as a signed int32, so
 * `writeVarint64` sees a negative number and emits zero bytes. ipfs-unixfs encodes
 * `filesize` and `blocksizes` with it, so every file of 2–4 GiB got a corrupt root
 * node (unreadable, and a CID that differs from Kubo's). This patches the `uint64`
 * writer of the protons-runtime copy that ipfs-unixfs uses to encode such values as
 * plain numbers (exact below 2^53). Remove once protons-runtime is fixed upstream.
 */
export async function fixProtonsUint64 (): Promise<void> {
  const runtime = await findFrom(dirname(fileURLToPath(import.meta.resolve('ipfs-unixfs'))), 'protons-runtime')
  if (runtime == null) return
  const { writer } = await import(pathToFileURL(join(runtime, 'dist/src/index.js')).href) as {
    writer: () => object
  }
  const proto = Object.getPrototypeOf(writer()) as {
    uint64: (value: bigint) => unknown
    uint64Number: (value: number) => unknown
    __cairnUint64Fix?: boolean
  }
  if (proto.__cairnUint64Fix === true) return
  const original = proto.uint64
  proto.uint64 = function (this: typeof proto, value: bigint) {
    if (value >= 0x80000000n && value <= 0xffffffffn) return this.uint64Number(Number(value))
    return original.call(this, value)
  }
  proto.__cairnUint64Fix = true
}

/** The folder of package `name` as Node would find it from `dir` (nearest node_modules upwards). */
async function findFrom (dir: string, name: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name)
    try {
      await access(join(candidate, 'package.json'))
      return candidate
    } catch {}
    if (dirname(at) === at) return undefined
  }
}
