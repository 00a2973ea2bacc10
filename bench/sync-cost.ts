// npm run build && node dist/bench/sync-cost.js [rounds]: what `Datastore.Sync` costs an
// add. Wall time of the built CLI's `cairn add` (offline, pinned) of 256 MiB from stdin and
// of a folder of 10,000 files of 1 KiB, on a repo with Datastore.Sync true and one with
// false, interleaved round by round (the order flipped each round), on fresh bytes each
// time so that no block is already stored. The disk is flushed (`sync`) before each add,
// so that no add pays for the writeback of the one before it.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCairn } from './cli-runner.js'
import { patternStream } from './data.js'
import { median } from './table.js'

const MiB = 1024 * 1024
const rounds = Number(process.argv[2] ?? 3)
const bigSize = 256 * MiB
const smallCount = 10_000
const smallSize = 1024

async function seconds (job: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await job()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** A folder of {@link smallCount} files whose bytes no other call's files share. */
async function smallFiles (dir: string, seed: number): Promise<void> {
  await mkdir(dir)
  const bytes = Buffer.alloc(smallSize)
  for (let i = 0; i < smallCount; i++) {
    bytes.writeUInt32LE(seed, 0)
    bytes.writeUInt32LE(i, 4)
    await writeFile(join(dir, `f${i}`), bytes)
  }
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-sync-cost-'))
try {
  const modes = [true, false]
  const env = new Map<boolean, Record<string, string>>()
  for (const sync of modes) {
    const repo = { CAIRN_PATH: join(dir, `repo-${String(sync)}`) }
    await runCairn(['init', '--profile', 'local'], repo)
    await runCairn(['config', '--json', 'Datastore.Sync', String(sync)], repo)
    env.set(sync, repo)
  }
  const big = new Map<boolean, number[]>(modes.map(m => [m, []]))
  const small = new Map<boolean, number[]>(modes.map(m => [m, []]))
  let seed = 1
  for (let r = 0; r < rounds; r++) {
    for (const sync of r % 2 === 0 ? modes : [...modes].reverse()) {
      const repo = env.get(sync) as Record<string, string>
      const input = patternStream(bigSize, seed++)
      execFileSync('sync')
      big.get(sync)?.push(await seconds(async () => await runCairn(['add', '-q', '--progress=false'], repo, input)))
      const folder = join(dir, `small-${seed}`)
      await smallFiles(folder, seed++)
      execFileSync('sync')
      small.get(sync)?.push(await seconds(async () => await runCairn(['add', '-q', '-r', '--progress=false', folder], repo)))
      await rm(folder, { recursive: true })
      console.log(`round ${r + 1} Sync ${String(sync)}: 256 MiB ${big.get(sync)?.at(-1)?.toFixed(2) ?? ''} s, 10,000 files ${small.get(sync)?.at(-1)?.toFixed(2) ?? ''} s`)
    }
  }
  for (const sync of modes) {
    const b = median(big.get(sync) ?? [])
    console.log(`Datastore.Sync ${String(sync)}: add 256 MiB ${b.toFixed(2)} s (${(256 / b).toFixed(0)} MiB/s), add 10,000 files ${median(small.get(sync) ?? []).toFixed(2)} s (medians of ${rounds})`)
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
