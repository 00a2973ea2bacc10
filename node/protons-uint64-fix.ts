import { loadUnixfsProtonsWriter } from './unixfs-protons.js'

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
  const writer = await loadUnixfsProtonsWriter()
  if (writer == null) return
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
