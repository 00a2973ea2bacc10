import type { BytesReader } from '@ipld/car/decoder'

/** What stands in the slot of a consumed chunk until the slots are compacted. */
const consumed = new Uint8Array(0)

/**
 * A reader of a byte stream for @ipld/car's decoder that copies as little as it can: a
 * section inside one chunk of the stream is handed on as a view of it, and one that
 * spans chunks is copied once into a buffer of its own size. (The decoder's own stream
 * reader joins what is left of the current chunk with the next ones into a new buffer
 * whenever a read passes the end of the chunk: from 4 MiB file reads, a 5 MiB copy every
 * fourth 1 MiB block, and GC was a quarter of a 512 MiB `dag import`.) It refuses a read
 * of more than `maxRead` bytes at once, which a section's length could otherwise claim
 * (2^60 bytes would read the whole stream into memory).
 */
export class ChunkedBytesReader implements BytesReader {
  readonly #source: AsyncIterator<Uint8Array>
  readonly #maxRead: number
  /** Chunks read; those before `#head` are consumed, and the one at it from `#offset` on. */
  #chunks: Uint8Array[] = []
  #head = 0
  #offset = 0
  /** Bytes in `#chunks` from `#offset` on. */
  #buffered = 0
  /** Bytes sought past the chunks read so far, dropped from the next ones. */
  #skip = 0
  #pos = 0

  constructor (source: AsyncIterable<Uint8Array>, maxRead: number) {
    this.#source = source[Symbol.asyncIterator]()
    this.#maxRead = maxRead
  }

  get pos (): number {
    return this.#pos
  }

  async upTo (length: number): Promise<Uint8Array> {
    await this.#fill(length)
    return this.#view(Math.min(length, this.#buffered))
  }

  async exactly (length: number, seek = false): Promise<Uint8Array> {
    await this.#fill(length)
    if (this.#buffered < length) throw new Error('Unexpected end of data')
    const bytes = this.#view(length)
    if (seek) this.seek(length)
    return bytes
  }

  seek (length: number): void {
    this.#pos += length
    let left = length
    while (left > 0 && this.#head < this.#chunks.length) {
      const first = this.#chunks[this.#head] as Uint8Array
      const take = Math.min(left, first.byteLength - this.#offset)
      left -= take
      this.#buffered -= take
      this.#offset += take
      if (this.#offset === first.byteLength) {
        // let go of a consumed chunk at once; its slot goes in a later compaction (a
        // shift per chunk would be quadratic in tiny chunks)
        this.#chunks[this.#head++] = consumed
        this.#offset = 0
      }
    }
    this.#skip += left
    if (this.#head === this.#chunks.length || this.#head > 1024) {
      this.#chunks = this.#chunks.slice(this.#head)
      this.#head = 0
    }
  }

  /** Reads chunks until `length` bytes are buffered or the stream ends. */
  async #fill (length: number): Promise<void> {
    if (length > this.#maxRead) throw new Error(`a section claims ${length} bytes, over the ${this.#maxRead}-byte cap`)
    while (this.#buffered < length) {
      const next = await this.#source.next()
      if (next.done === true) return
      let chunk = next.value
      if (this.#skip > 0) {
        const dropped = Math.min(this.#skip, chunk.byteLength)
        this.#skip -= dropped
        chunk = chunk.subarray(dropped)
      }
      if (chunk.byteLength === 0) continue
      this.#chunks.push(chunk)
      this.#buffered += chunk.byteLength
    }
  }

  /** The next `length` buffered bytes: a view of the first chunk when they lie in it, else a copy. */
  #view (length: number): Uint8Array {
    const first = this.#chunks[this.#head]
    if (first == null) return new Uint8Array(0)
    if (first.byteLength - this.#offset >= length) return first.subarray(this.#offset, this.#offset + length)
    const bytes = new Uint8Array(length)
    let at = 0
    for (let i = this.#head; at < length; i++) {
      const from = i === this.#head ? this.#offset : 0
      const piece = (this.#chunks[i] as Uint8Array).subarray(from, from + length - at)
      bytes.set(piece, at)
      at += piece.byteLength
    }
    return bytes
  }
}
