import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { runCommand } from './cli-runner.js'
import { patternStream } from './data.js'

/** A measured rate in MiB/s. */
export interface Rate { mibPerSec: number }

const MiB = 1024 * 1024

/** `bytes` over `seconds`, in MiB/s. */
export const mibs = (bytes: number, seconds: number): number => bytes / MiB / seconds

/** The wall time of an async job, in seconds. */
export async function seconds (job: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await job()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Times an async job over `bytes` bytes and returns MiB/s. */
export async function rateOf (bytes: number, job: () => Promise<unknown>): Promise<Rate> {
  return { mibPerSec: mibs(bytes, await seconds(job)) }
}

/**
 * Distinct bytes the SHA-256 ceiling hashes round and round: more than the CPU's caches
 * hold, so that it hashes from memory as an add does (one 1 MiB piece hashed over and
 * over runs ~1.5 × faster here, out of the cache).
 */
const shaPoolBytes = 128 * MiB

/**
 * SHA-256 of data already in memory (generated before the clock starts, so the
 * generator's own cost is not in it): the hashing ceiling of any importer on this machine.
 */
export async function sha256Rate (bytes: number): Promise<Rate> {
  const pool: Buffer[] = []
  for await (const piece of patternStream(Math.min(bytes, shaPoolBytes))) pool.push(piece as Buffer)
  return await rateOf(bytes, async () => {
    const hash = createHash('sha256')
    for (let done = 0, i = 0; done < bytes; i++) {
      const piece = pool[i % pool.length] as Buffer
      const take = Math.min(piece.length, bytes - done)
      hash.update(take === piece.length ? piece : piece.subarray(0, take))
      done += take
    }
    hash.digest()
  })
}

/**
 * `cat <path>` (coreutils) into this process through a pipe, read as the bench reads a
 * CLI's output: what the pipe itself carries, whatever writes into it.
 */
export async function pipeRate (path: string, bytes: number): Promise<Rate> {
  let seen = 0
  const rate = await rateOf(bytes, async () => await runCommand('cat', [path], { sink: b => { seen += b.length } }))
  if (seen !== bytes) throw new Error(`cat ${path}: ${seen} bytes of ${bytes}`)
  return rate
}

/**
 * Writing a plain file (into the page cache), then its fsync (`dd conv=fsync`), then
 * reading it back: the disk's ceilings. `synced` is the write and the fsync together.
 */
export async function diskRates (path: string, bytes: number): Promise<{ write: Rate, synced: Rate, read: Rate }> {
  const writeSeconds = await seconds(async () => { await pipeline(patternStream(bytes), createWriteStream(path)) })
  const syncSeconds = await seconds(async () => {
    const file = await open(path, 'r+')
    try { await file.sync() } finally { await file.close() }
  })
  const read = await rateOf(bytes, async () => {
    for await (const _ of createReadStream(path, { highWaterMark: MiB })) { /* drain */ }
  })
  await rm(path, { force: true })
  return { write: { mibPerSec: mibs(bytes, writeSeconds) }, synced: { mibPerSec: mibs(bytes, writeSeconds + syncSeconds) }, read }
}
