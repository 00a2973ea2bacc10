import { createReadStream, fstatSync } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, join } from 'node:path'
import { InputFileError, UsageError } from '../node/errors.js'
import { readInFrames } from '../node/unixfs/leaf-frames.js'
import type { InputEntry, OptionSpec, Options } from '../node/commands/command.js'

/**
 * Turns local path arguments into the input stream a command reads: files as they are,
 * directories walked (with `recursive`; hidden entries only with `hidden`), `-` as stdin.
 * `recursive` is the command's option of that name, if it has one: named in the error
 * for a directory given without it.
 * Everything is checked before the first entry is yielded, so a missing path fails
 * before any work starts.
 */
export async function localInputs (paths: string[], options: Options, recursive?: OptionSpec): Promise<AsyncIterable<InputEntry>> {
  for (const path of paths) {
    if (path === '-') continue
    const info = await lstat(path).catch(() => undefined)
    if (info == null) throw new InputFileError(`${path}: no such file or directory`)
    const other = specialKind(info)
    if (other != null) throw new InputFileError(`${path}: ${skipReason(other)}`)
    if (info.isDirectory() && options.recursive !== true) {
      // the hint only for a command that has the option
      const flag = recursive == null ? undefined : recursive.short != null ? `-${recursive.short}` : `--${recursive.name}`
      throw new UsageError(`${path} is a directory${flag != null ? `, use ${flag} to include directories` : ''}`)
    }
  }
  return walkAll(paths, options)
}

async function * walkAll (paths: string[], options: Options): AsyncIterable<InputEntry> {
  const bigReads = oneAtATime()
  for (const path of paths) {
    if (path === '-') {
      yield stdinEntry(typeof options['stdin-name'] === 'string' ? options['stdin-name'] : '')
      continue
    }
    yield * walk(path, basename(path), options.hidden === true, bigReads)
  }
}

/**
 * Standard input as a file to add. Redirected from a regular file (`cairn add < file`),
 * it is read from its descriptor as a file is ({@link fileReads}): process.stdin reads
 * such a file 64 KiB at a time, one read after the other (a 512 MiB `add -n` 1.67 s,
 * against 0.52 s in frames).
 */
function stdinEntry (path: string): InputEntry {
  const info = stdinStats()
  if (info?.isFile() !== true) return { path, content: process.stdin }
  return { path, ...fileReads(0, info.size, whenRead) }
}

/**
 * A regular file's two ways to its bytes, of which an add reads one: a stream of reads of
 * up to 4 MiB ({@link readSize}), or frames ({@link readInFrames}); either starts with its
 * `turn`. `file` is a path, or a descriptor read from its own offset on and left open.
 */
function fileReads (file: string | number, size: number, turn: Turns): Pick<InputEntry, 'content' | 'readChunks'> {
  const highWaterMark = readSize(size)
  const stream = typeof file === 'number'
    ? () => createReadStream('', { fd: file, autoClose: false, highWaterMark })
    : () => createReadStream(file, { highWaterMark })
  return {
    content: turn(stream),
    readChunks: chunkSize => turn(() => readInFrames(file, chunkSize, size))
  }
}

function stdinStats (): Stats | undefined {
  try {
    return fstatSync(0)
  } catch {
    return undefined
  }
}

async function * walk (fsPath: string, path: string, hidden: boolean, bigReads: Turns): AsyncIterable<InputEntry> {
  const info = await lstat(fsPath)
  const meta = { mode: info.mode & 0o7777, mtime: info.mtime }
  if (info.isDirectory()) {
    yield { path, ...meta }
    const names: string[] = []
    for (const raw of await readdir(fsPath, { encoding: 'buffer' })) {
      const name = utf8Name(raw)
      if (name == null) skipped(join(fsPath, raw.toString()), 'its name is not valid UTF-8 (UnixFS names are UTF-8)')
      else names.push(name)
    }
    for (const name of names.sort()) {
      if (!hidden && name.startsWith('.')) continue
      yield * walk(join(fsPath, name), `${path}/${name}`, hidden, bigReads)
    }
  } else if (info.isFile()) {
    // either way a read starts only when its bytes are asked for
    yield { path, ...fileReads(fsPath, info.size, info.size > MiB ? bigReads : whenRead), ...meta }
  } else if (info.isSymbolicLink()) {
    // added as a UnixFS symlink, never followed (as Kubo does without --dereference-args)
    yield { path, target: await readlink(fsPath), ...meta }
  } else {
    skipped(fsPath, skipReason(specialKind(info) ?? 'special file'))
  }
}

const MiB = 1024 * 1024

/**
 * The read size for a file: 4 MiB, or the file's size and one byte when smaller. Each
 * read allocates a buffer that big (even the last one, which finds the end), and a 1 MiB
 * allocation per 500-byte file made GC a quarter of `add -r`'s time. A read stream keeps
 * one read in flight while the importer hashes the chunk before it: at 1 MiB the reads
 * did not keep up (`add -n` of 256 MiB in process: 280 ms at 1 MiB, 195 at 4).
 */
function readSize (size: number): number {
  return Math.min(4 * MiB, size + 1)
}

/** Starts `read` when the first bytes are asked for (a file opened but never read would keep its descriptor). */
async function * whenRead (read: () => AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield * read()
}

/** Runs reads one after another, each when the one before it has ended. */
type Turns = (read: () => AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>

/**
 * Turns for the reads of files over 1 MiB. `add` imports several files at once (their
 * contents are independent), which small files need and big ones do not: each big file
 * in flight holds ~9 MiB of chunks and blocks, so they take turns, in the order the
 * importer starts them. A read that was never started never takes a turn.
 */
function oneAtATime (): Turns {
  let last = Promise.resolve()
  return async function * (read) {
    const before = last
    let done = (): void => {}
    last = new Promise(resolve => { done = resolve })
    try {
      await before
      yield * read()
    } finally {
      done()
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A directory entry's name as text, or undefined when its bytes are not UTF-8. */
function utf8Name (raw: Buffer): string | undefined {
  try {
    return strictUtf8.decode(raw)
  } catch {
    return undefined
  }
}

/** What a file that `add` cannot store is (a fifo, a socket, a device), or undefined for one it can. */
function specialKind (info: Stats): string | undefined {
  if (info.isFIFO()) return 'fifo'
  if (info.isSocket()) return 'socket'
  if (info.isCharacterDevice()) return 'character device'
  if (info.isBlockDevice()) return 'block device'
  return undefined
}

function skipReason (kind: string): string {
  return `is a ${kind}; only files, directories and symlinks can be added`
}

/** Tells the user on stderr which entry of a walked directory was left out and why. */
function skipped (path: string, reason: string): void {
  process.stderr.write(`skipped ${path}: ${reason}\n`)
}

/** True when stdin is piped (not a terminal), so a command with no file args reads it. */
export function stdinIsPiped (): boolean {
  return process.stdin.isTTY !== true
}
