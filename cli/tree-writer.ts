import { constants } from 'node:fs'
import { chmod, lstat, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { diskFullError, UnsafePathError } from '../node/errors.js'
import { assertSafeName } from '../node/unixfs/safe-name.js'
import { parseContentPath } from '../node/content/content-path.js'
import { progressBarWanted, startByteProgress, type ByteProgress } from './progress.js'
import type { CommandCall, TreeEntry } from '../node/commands/command.js'

/** Kubo's default output name for `get`: the last segment of the path argument. */
export function defaultOutputName (arg: string): string {
  const path = parseContentPath(arg)
  const name = path.segments[path.segments.length - 1] ?? path.root.toString()
  assertSafeName(name, arg)
  return name
}

const writeFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW

async function writeFile (target: string, entry: TreeEntry, progress: { add(n: number): void }): Promise<void> {
  const handle = await open(target, writeFlags, 0o644)
  try {
    if (entry.content != null) {
      for await (const chunk of entry.content) {
        let offset = 0
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
          offset += bytesWritten
        }
        progress.add(chunk.byteLength)
      }
    }
  } catch (err) {
    throw diskFullError(err, target) ?? err
  } finally {
    await handle.close()
  }
}

/** Permission bits only: setuid, setgid and sticky from an untrusted DAG need `--special-bits`. */
const permissionBits = 0o777
const allModeBits = 0o7777

/** Creates a directory, or accepts an existing real one (never a symlink to elsewhere). */
async function makeDirectory (target: string): Promise<void> {
  try {
    await mkdir(target)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const info = await lstat(target)
    if (!info.isDirectory()) throw new UnsafePathError(`${target} exists and is not a directory`)
  }
}

/**
 * Writes `get` results to disk under `-o` (default: the last path segment). Every path
 * segment is checked again here, files are opened without following symlinks, and an
 * existing non-directory where a directory goes is refused, so nothing is written outside
 * the target. Modes and mtimes are applied (setuid, setgid and sticky bits only with
 * `--special-bits`); directories' last, after their contents.
 */
export async function writeTree (entries: AsyncIterable<unknown>, call: CommandCall): Promise<void> {
  const out = typeof call.options.output === 'string' && call.options.output !== ''
    ? call.options.output
    : defaultOutputName(call.args[0] as string)
  const modeMask = call.options['special-bits'] === true ? allModeBits : permissionBits
  const directories: Array<{ target: string, entry: TreeEntry }> = []
  let bar: ByteProgress | undefined
  let done = 0
  const progress = { add (n: number) { done += n; bar?.update(done) } }
  try {
    for await (const value of entries) {
      const entry = value as TreeEntry
      const segments = entry.path === '' ? [] : entry.path.split('/')
      for (const segment of segments) assertSafeName(segment, `${basename(out)}/${entry.path}`)
      const target = join(out, ...segments)
      if (bar == null && progressBarWanted(call)) {
        bar = await startByteProgress(entry.path === '' && entry.type === 'file' && entry.size != null ? Number(entry.size) : undefined)
      }
      if (entry.type === 'directory') {
        if (segments.length === 0) await mkdir(target, { recursive: true })
        else await makeDirectory(target)
        directories.push({ target, entry })
      } else if (entry.type === 'symlink') {
        await symlink(entry.target ?? '', target)
        if (entry.mtime != null) await lutimes(target, entry.mtime, entry.mtime).catch(() => {})
      } else {
        await writeFile(target, entry, progress)
        if (entry.mode != null) await chmod(target, entry.mode & modeMask)
        if (entry.mtime != null) await utimes(target, entry.mtime, entry.mtime)
      }
    }
    for (const { target, entry } of directories.reverse()) {
      if (entry.mode != null) await chmod(target, entry.mode & modeMask)
      if (entry.mtime != null) await utimes(target, entry.mtime, entry.mtime)
    }
  } finally {
    bar?.stop()
  }
}
