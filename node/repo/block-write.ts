import { mkdir, rename, unlink, writeFile } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'

const makeDir = promisify(mkdir)
const renameFile = promisify(rename)
const writeWhole = promisify(writeFile)
const removeFile = promisify(unlink)

/** Tells this process's temp files apart, so that two writes of one block never share one. */
let writes = 0

/**
 * Writes block files as blockstore-fs lays them out (`<XY>/<key>.data`, written to a temp
 * file beside it and renamed into place, so a block file is whole or absent), with fewer
 * calls: blockstore-fs makes the shard folder before every block and writes through
 * FileHandles (an object, and its close, per file); this makes each folder once and
 * writes with the callback `fs.writeFile` (no FileHandle). Each write has a temp file of its own
 * (`.<key>.data.<pid>-<n>.tmp`, which GC's sweep of `.*.tmp` files knows): blockstore-fs's
 * one temp name per block let a second write of a block truncate the file the first had
 * just renamed into place, a short block file for a moment.
 */
export class BlockFileWriter {
  /** Shard folders made or written into by this process. */
  readonly #dirs = new Set<string>()

  async write (file: string, bytes: Uint8Array): Promise<void> {
    const dir = dirname(file)
    const temp = join(dir, `.${basename(file)}.${process.pid}-${++writes}.tmp`)
    try {
      try {
        await this.#writeTemp(dir, temp, bytes)
      } catch (err) {
        // the folder went away after this process made it: make it again, once
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.#dirs.delete(dir)) throw err
        await this.#writeTemp(dir, temp, bytes)
      }
      await renameFile(temp, file)
    } catch (err) {
      await removeFile(temp).catch(() => {})
      throw err
    }
  }

  async #writeTemp (dir: string, temp: string, bytes: Uint8Array): Promise<void> {
    if (!this.#dirs.has(dir)) {
      await makeDir(dir, { recursive: true })
      this.#dirs.add(dir)
    }
    await writeWhole(temp, bytes)
  }
}
