import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** fsyncs run at once: libuv's thread pool has 4 threads, which block writes also need. */
const SYNC_CONCURRENCY = 4

/**
 * Files remembered before a sync starts on them in the background: bounds the list a
 * daemon keeps of blocks it fetched without a pin to commit them (gateway reads).
 */
const BACKGROUND_SYNC_AT = 1024

/**
 * Bytes of files remembered before a sync starts on them in the background, so that a
 * big add's disk writes overlap its import instead of all waiting for its end: a 512 MiB
 * add into a fresh repo 1.85 → 1.52 s (syncs every 64 MiB, 9 interleaved runs; 32 or
 * 128 MiB did the same), CIDv0 2.48 → 2.36 s. Counted in bytes, not files: a sync every
 * 64 small files made `add -r` of 10,000 files 1.12 × slower (each sync then also synced
 * the folders of its files).
 */
const BACKGROUND_SYNC_BYTES = 64 * 1024 * 1024

/** What {@link UnsyncedFiles} has done, for tests and the bench. */
export interface SyncCounts {
  /** Files fsynced. */
  files: number
  /** Folders fsynced (the entries of the files renamed into them). */
  dirs: number
}

/**
 * The files written under `root` since their last fsync (block files, written
 * temp-then-rename without one), and the syncing of them: {@link sync} fsyncs every
 * file remembered and then each one's folder and `root` (the folder a new shard folder
 * was made in), a few at a time. Many files synced in one go cost far less than one
 * fsync per write: the file system commits its journal for many of them at once.
 */
export class UnsyncedFiles {
  readonly #root: string
  readonly #files = new Set<string>()
  /** Bytes of the files in {@link #files}. */
  #bytes = 0
  /**
   * Folders of files whose data is synced, their entries not yet: synced by {@link sync}
   * alone, once for all the files synced in the background since (a 512 MiB CIDv0 add's
   * 2048 block files in up to 1024 shard folders: each background sync of 256 files
   * fsynced ~230 folders).
   */
  readonly #dirs = new Set<string>()
  readonly #running = new Set<Promise<void>>()
  /** Files in the syncs running. */
  #syncing = 0
  /**
   * The first fsync that failed. Kept for good: Linux drops the pages a failed fsync
   * could not write, so a later fsync of the same file succeeds with its data lost; every
   * sync from then on fails, as PostgreSQL stops on one.
   */
  #failure: unknown
  readonly counts: SyncCounts = { files: 0, dirs: 0 }

  constructor (root: string) {
    this.#root = root
  }

  /** Files written and not yet on stable storage (waiting for a sync, or in one). */
  get size (): number {
    return this.#files.size + this.#syncing
  }

  /** Remembers a file of `bytes` just written (its data and its name in its folder). */
  add (path: string, bytes: number): void {
    this.#files.add(path)
    this.#bytes += bytes
    if (this.#files.size >= BACKGROUND_SYNC_AT || this.#bytes >= BACKGROUND_SYNC_BYTES) this.#start()
  }

  /**
   * Resolves once every file remembered before the call, and its folder, is on stable
   * storage: those taken by syncs already running (another add's, a background one)
   * are waited for, not synced twice.
   */
  async sync (): Promise<void> {
    if (this.#files.size > 0) this.#start()
    await Promise.all(this.#running)
    if (this.#dirs.size > 0) this.#run(this.#syncDirs())
    await Promise.all(this.#running)
    if (this.#failure != null) throw this.#failure
  }

  #start (): void {
    const files = [...this.#files]
    this.#files.clear()
    this.#bytes = 0
    this.#syncing += files.length
    this.#run(this.#syncFiles(files).finally(() => { this.#syncing -= files.length }))
  }

  #run (sync: Promise<void>): void {
    const running: Promise<void> = sync
      .catch((err: unknown) => { this.#failure ??= err })
      .finally(() => { this.#running.delete(running) })
    this.#running.add(running)
  }

  /** fsyncs the files' data; their folders wait for {@link sync}. */
  async #syncFiles (files: string[]): Promise<void> {
    await eachLimited(files, async file => { if (await fsync(file)) this.counts.files++ })
    for (const file of files) this.#dirs.add(dirname(file))
  }

  async #syncDirs (): Promise<void> {
    const dirs = [...this.#dirs, this.#root]
    this.#dirs.clear()
    await eachLimited(dirs, async dir => { if (await fsync(dir)) this.counts.dirs++ })
  }
}

/**
 * fsyncs a file or folder; false when it is gone (a block deleted since, by GC) or, on
 * Windows, a folder (which cannot be opened to sync; NTFS journals its entries).
 */
async function fsync (path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || (process.platform === 'win32' && (code === 'EISDIR' || code === 'EPERM'))) return false
    throw err
  }
  try {
    await handle.sync()
    return true
  } finally {
    await handle.close()
  }
}

/** Runs `fn` on every item, {@link SYNC_CONCURRENCY} at a time; rejects with the first failure once all are done. */
async function eachLimited<T> (items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T)
  }
  const results = await Promise.allSettled(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, worker))
  const failed = results.find(r => r.status === 'rejected')
  if (failed != null) throw failed.reason
}
