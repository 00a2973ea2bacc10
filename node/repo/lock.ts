import { constants } from 'node:fs'
import { open, readFile, stat, unlink, type FileHandle } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { RepoLockedError } from '../errors.js'

/** A held `repo.lock`; `release()` removes the file and drops the lock. */
export interface RepoLock {
  readonly path: string
  release(): Promise<void>
}

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** How long to wait for a holder to let go before giving up (default 0: fail at once). */
  waitMs?: number
  /** Called once, with the holder's pid if known, when the lock is busy and we wait. */
  onWait?: (pid: number | undefined) => void
}

/** How often a waiting process tries the lock again. */
const retryMs = 100

/** The pid written in a lock file, or undefined when there is none (or it is unreadable). */
export async function readLockPid (path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * Takes the repo lock: an OS lock on `path` (an open-file-description lock on Linux,
 * `flock` on macOS, `LockFileEx` on Windows, through fs-native-extensions), which the
 * kernel drops when the holder exits, however it exits. So a lock file left by a killed
 * process never blocks (whatever pid it names), and two holders are impossible, in one
 * process or several. The pid written into the file is for messages and for finding a
 * daemon, never trusted as the lock itself. A lock held elsewhere is an ERR_REPO_LOCKED
 * naming the holder's pid, after waiting up to `waitMs` for it to be released.
 */
export async function acquireLock (path: string, options: AcquireLockOptions = {}): Promise<RepoLock> {
  const deadline = Date.now() + (options.waitMs ?? 0)
  let waited = false
  while (true) {
    const handle = await tryLockFile(path)
    if (handle != null) {
      await handle.truncate(0)
      await handle.write(`${process.pid}\n`, 0)
      return {
        path,
        async release () {
          // unlinked while still held: a waiter that locked the old file sees it is gone and retries
          await unlink(path).catch(() => {})
          await handle.close()
        }
      }
    }
    const pid = await readLockPid(path)
    if (Date.now() >= deadline) {
      throw new RepoLockedError(pid === process.pid
        ? `repo is already open in this process (pid ${pid}): ${path}`
        : `repo is locked by another process${pid != null ? ` (pid ${pid})` : ''}: ${path}`)
    }
    if (!waited) options.onWait?.(pid)
    waited = true
    await sleep(retryMs)
  }
}

/**
 * True when the process named in the lock file at `path` is alive: then it almost surely
 * holds the lock, since the OS drops the lock of a process that ends. A missing file, no
 * pid, or a pid of no live process means the lock is free (or held by a process in
 * another pid namespace, which opening the repo then finds). After a crash, a pid reused
 * by an unrelated process reads as held. One read and a signal-0 call: the kernel's lock
 * table (`/proc/locks`) would be exact, but reading it waits for an RCU grace period
 * (7–18 ms measured here, most of a CLI call through a daemon), and the native lock
 * addon takes 16 ms to load.
 */
export async function lockHolderAlive (path: string): Promise<boolean> {
  const pid = await readLockPid(path)
  if (pid == null || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: alive, but another user's
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** fs-native-extensions' `tryLock`, loaded on first use (a native addon). */
async function nativeTryLock (): Promise<(fd: number) => boolean> {
  return (await import('fs-native-extensions')).tryLock
}

/** Opens (creating) the lock file and locks it; undefined when another process holds it. */
async function tryLockFile (path: string): Promise<FileHandle | undefined> {
  while (true) {
    const tryLock = await nativeTryLock()
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644)
    let locked = false
    try {
      locked = tryLock(handle.fd)
      // the file we locked must still be the one at `path`: its holder may have just
      // removed it on release, and then we try again on the new file
      if (locked && await sameFile(handle, path)) return handle
    } catch (err) {
      await handle.close()
      throw err
    }
    await handle.close()
    if (!locked) return undefined
  }
}

async function sameFile (handle: FileHandle, path: string): Promise<boolean> {
  const [held, named] = await Promise.all([handle.stat(), stat(path).catch(() => undefined)])
  return named != null && held.ino === named.ino && held.dev === named.dev
}
