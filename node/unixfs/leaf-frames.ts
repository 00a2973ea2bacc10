import { close, open, readv } from 'node:fs'
import { promisify } from 'node:util'

const openFile = promisify(open)
const readInto = promisify(readv)
const closeFile = promisify(close)

/**
 * Room before a frame's chunk: a dag-pb leaf's header (PBNode Data tag and length,
 * UnixFS Type, Data tag and length) is at most 1 + 5 + 2 + 1 + 5 bytes for any chunk
 * under 4 GiB.
 */
const HEAD_ROOM = 16

/** Room after a frame's chunk: the leaf's trailer (UnixFS filesize tag and value). */
const TAIL_ROOM = 8

/** Bytes asked of the file system per read: as many whole chunks as fit (at least one). */
const READ_BYTES = 4 * 1024 * 1024

/** The bytes read into each frame, by the frame's buffer. */
const filled = new WeakMap<ArrayBufferLike, number>()

/** Frames given back for reuse that a file's reads keep at most. */
const POOL_FRAMES = 64

/** The pool of each whole-chunk frame handed out and not given back. */
const owners = new WeakMap<ArrayBufferLike, FramePool>()

/**
 * The whole-chunk frames of one file's reads, and those given back ({@link releaseFrame})
 * to be read into again. A 512 MiB CIDv0 `add -n` allocated a frame for each of its 2,048
 * chunks, and V8 collected garbage as that memory outside its heap grew (23 mark-compacts):
 * 1.03–1.12 s, and 0.75–0.77 s reusing frames (peak RSS 113–122 → 77–79 MiB).
 */
class FramePool {
  readonly #free: ArrayBuffer[] = []

  constructor (readonly chunkSize: number) {}

  /** A frame for `size` bytes: a given-back one when `size` is the chunk size and one is free. */
  take (size: number): Uint8Array {
    const buffer = (size === this.chunkSize ? this.#free.pop() : undefined) ??
      // a buffer of its own (not a slice of Node's pool): the leaf made in it is kept and written
      Buffer.allocUnsafeSlow(HEAD_ROOM + size + TAIL_ROOM).buffer as ArrayBuffer
    if (size === this.chunkSize) owners.set(buffer, this)
    return new Uint8Array(buffer, HEAD_ROOM, size)
  }

  give (buffer: ArrayBuffer): void {
    if (this.#free.length < POOL_FRAMES) this.#free.push(buffer)
  }
}

/**
 * Where a dag-pb leaf can be written around `data` without copying it: the offset of
 * `data` in its buffer when `data` is the whole content of a frame ({@link readInFrames}),
 * with `head` bytes free before it and `tail` after it; otherwise undefined.
 */
export function frameRoom (data: Uint8Array, head: number, tail: number): number | undefined {
  return filled.get(data.buffer) === data.byteLength && head <= HEAD_ROOM && tail <= TAIL_ROOM && data.byteOffset === HEAD_ROOM
    ? data.byteOffset
    : undefined
}

/**
 * Gives the frame `chunk` lies in back to its file's reads, which will read other bytes
 * into it: only once nothing holds the chunk or a block made around it any more (its
 * leaf written, and the importer done with it). Anything but a whole chunk's frame from
 * {@link readInFrames}, or one given back already, is left alone.
 */
export function releaseFrame (chunk: Uint8Array): void {
  const pool = owners.get(chunk.buffer)
  if (pool == null || chunk.byteLength !== pool.chunkSize || chunk.byteOffset !== HEAD_ROOM) return
  owners.delete(chunk.buffer)
  pool.give(chunk.buffer as ArrayBuffer)
}

/**
 * Reads from `position` (undefined: the descriptor's own offset, which the reads move on)
 * into frames of `sizes` from `pool` until they are full or the file ends (several
 * frames to a `preadv`); gives the frames read into.
 */
async function fill (fd: number, position: number | undefined, sizes: number[], pool: FramePool): Promise<Uint8Array[]> {
  const frames = sizes.map(size => pool.take(size))
  let at = 0
  let offset = 0
  while (at < frames.length) {
    const views = [(frames[at] as Uint8Array).subarray(offset), ...frames.slice(at + 1)]
    const { bytesRead } = await readInto(fd, views, position)
    if (bytesRead === 0) break
    if (position !== undefined) position += bytesRead
    offset += bytesRead
    while (at < frames.length && offset >= (frames[at] as Uint8Array).byteLength) {
      offset -= (frames[at] as Uint8Array).byteLength
      at++
    }
  }
  const read = frames.slice(0, at)
  if (offset > 0) read.push((frames[at] as Uint8Array).subarray(0, offset))
  for (const frame of read) filled.set(frame.buffer, frame.byteLength)
  return read
}

/**
 * The sizes of the frames of the next read: whole chunks, as many as fit in a read, and
 * no more than the `left` bytes the file's size leaves; at its end one byte, to find
 * bytes added since (the file is then read on in whole chunks to its end).
 */
function frameSizes (left: number, chunkSize: number): number[] {
  const count = Math.max(1, Math.floor(READ_BYTES / chunkSize))
  if (left === 0) return [1]
  if (left < 0) return Array<number>(count).fill(chunkSize)
  return Array.from({ length: Math.min(count, Math.ceil(left / chunkSize)) }, (_, i) => Math.min(chunkSize, left - i * chunkSize))
}

/**
 * A file's bytes in chunks of `chunkSize` (the last one shorter), each read straight
 * into a frame: a buffer of its own with room around the chunk, where a dag-pb leaf's
 * header and trailer can be written ({@link frameRoom}). A CIDv0 leaf is then made
 * without copying its chunk, and with no read buffer beside the leaves: a 512 MiB
 * `add --cid-version 0` took 2.17–2.53 s copying each chunk into its leaf, 2.00–2.24 s
 * this way (57 ms less copying, GC's mark-compacts 43 → 31). Frames of whole chunks given
 * back ({@link releaseFrame}) are read into again. Frames are as big as the
 * file's `size` (its size when listed) needs: one of 500 bytes for a 500-byte file. Reads
 * take several chunks at once, one read ahead of the chunks handed on. `file` may be a
 * descriptor open on a regular file instead of a path (stdin from `< file`): it is read
 * from its own offset on, and left open.
 */
export async function * readInFrames (file: string | number, chunkSize: number, size: number): AsyncGenerator<Uint8Array> {
  const fd = typeof file === 'number' ? file : await openFile(file, 'r')
  // reads are one after the other: a descriptor given moves on with them
  const at = (position: number): number | undefined => typeof file === 'number' ? undefined : position
  const pool = new FramePool(chunkSize)
  let next: Promise<Uint8Array[]> | undefined
  try {
    let position = 0
    let sizes = frameSizes(size, chunkSize)
    next = fill(fd, at(position), sizes, pool)
    while (next != null) {
      const frames: Uint8Array[] = await next
      const bytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0)
      position += bytes
      // a read that came back short found the file's end
      const ended = bytes < sizes.reduce((sum, frame) => sum + frame, 0)
      sizes = frameSizes(size - position, chunkSize)
      next = ended ? undefined : fill(fd, at(position), sizes, pool)
      yield * frames
    }
  } finally {
    // a read ahead still under way ends before its file is closed
    await next?.catch(() => {})
    if (typeof file !== 'number') await closeFile(fd)
  }
}

/**
 * A stream's bytes (stdin, a file of an RPC upload) in chunks of `chunkSize` (the last
 * one shorter), each copied into a frame as {@link readInFrames} reads a file's: the
 * chunker would copy the stream's pieces into a new buffer per chunk instead. Frames of
 * whole chunks given back ({@link releaseFrame}) are filled again. 512 MiB piped into
 * `add -n` took 1.41 s the chunker's way and 1.21 s this way (CPU 2.03 → 1.67 s); through
 * a daemon, an upload in 64 KiB pieces, 1.19 and 1.14 s (the daemon's CPU 9 % less).
 */
export async function * framesOf (source: AsyncIterable<Uint8Array>, chunkSize: number): AsyncGenerator<Uint8Array> {
  const pool = new FramePool(chunkSize)
  let frame: Uint8Array | undefined
  let at = 0
  for await (const piece of source) {
    for (let from = 0; from < piece.byteLength;) {
      frame ??= pool.take(chunkSize)
      const take = Math.min(chunkSize - at, piece.byteLength - from)
      frame.set(piece.subarray(from, from + take), at)
      at += take
      from += take
      if (at === chunkSize) {
        filled.set(frame.buffer, chunkSize)
        yield frame
        frame = undefined
        at = 0
      }
    }
  }
  if (frame != null) {
    filled.set(frame.buffer, at)
    yield frame.subarray(0, at)
  }
}
