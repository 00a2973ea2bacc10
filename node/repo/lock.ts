import { open, readFile, rm } from 'node:fs/promises'
import { RepoLockedError } from '../errors.js'

/** A held `repo.lock`; `release()` removes it. */
export interface RepoLock {
  readonly path: string
  release(): Promise<void>
}

/** The pid written in a lock file, or undefined when there is none (or it is unreadable). */
export async function readLockPid (path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** True when a process with this pid exists. */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock by creating the file exclusively with our pid. A lock left by a dead
 * process is taken over; one held by a live process is an ERR_REPO_LOCKED naming its pid.
 */
export async function acquireLock (path: string): Promise<RepoLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return {
        path,
        release: async () => { await rm(path, { force: true }) }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const pid = await readLockPid(path)
    if (pid != null && pid !== process.pid && isAlive(pid)) {
      throw new RepoLockedError(`repo is locked by another process (pid ${pid}): ${path}`)
    }
    if (pid === process.pid) {
      throw new RepoLockedError(`repo is already open in this process (pid ${pid}): ${path}`)
    }
    // stale: the holder died (or left an empty file); take it over
    await rm(path, { force: true })
  }
  throw new RepoLockedError(`could not take the repo lock: ${path}`)
}
