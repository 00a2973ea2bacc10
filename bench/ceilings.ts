import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
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

/** SHA-256 over generated data: the hashing ceiling of any importer on this machine. */
export async function sha256Rate (bytes: number): Promise<Rate> {
  return await rateOf(bytes, async () => {
    const hash = createHash('sha256')
    for await (const chunk of patternStream(bytes)) hash.update(chunk)
    hash.digest()
  })
}

/** Writing then reading a plain file: the disk ceiling. */
export async function diskRates (path: string, bytes: number): Promise<{ write: Rate, read: Rate }> {
  const write = await rateOf(bytes, async () => { await pipeline(patternStream(bytes), createWriteStream(path)) })
  const read = await rateOf(bytes, async () => {
    for await (const _ of createReadStream(path, { highWaterMark: MiB })) { /* drain */ }
  })
  await rm(path, { force: true })
  return { write, read }
}
