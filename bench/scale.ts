// The scale figures (the item 2): `add -r` of many small files beside stock
// Helia, and repo gc / repo stat / pin ls / one reprovide sweep on a repo of many blocks,
// at two sizes ten times apart so that the growth shows.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { seconds } from './ceilings.js'
import { cairnEnv, runCairn } from './cli-runner.js'
import { writeFileTree } from './data.js'
import { measureCairn, startMeasuredServer, type Measured } from './peak-rss.js'
import { figure, type Figure } from './table.js'
import type { StockNode } from './stock-client.js'

/** The sizes of a scale run. */
export interface ScaleSizes {
  /** Blocks of the large repo; its pinned half is the `add -r` figure's tree. */
  large: number
  /** Blocks of the small repo, to compare growth with. */
  small: number
  /** Named in the figures when the sizes are not the issue's. */
  label: string
}

const MiB = 1024 * 1024
const count = (n: number): string => n.toLocaleString('en-US')
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`

/** One repo operation measured on both repos; `rss` says whose peak RSS it gives. */
interface RepoOp { name: string, rss: string, run: (env: Record<string, string>) => Promise<Measured> }

/** A repo of `blocks` one-block files: half added with `add -r` (pinned), half with `--pin=false`. */
async function buildRepo (dir: string, blocks: number, stock?: StockNode): Promise<{ env: Record<string, string>, add: Measured, stockAdd?: { seconds: number, cid: string } }> {
  const trees = join(dir, `trees-${blocks}`)
  writeFileTree(join(trees, 'pinned'), blocks / 2, 11)
  writeFileTree(join(trees, 'loose'), blocks / 2, 12)
  const env = cairnEnv(join(dir, `repo-${blocks}`))
  await runCairn(['init', '--profile', 'local'], env)
  const add = await measureCairn(['add', '-r', '-q', join(trees, 'pinned')], env)
  const stockAdd = stock != null ? await stock.ask<{ seconds: number, cid: string }>({ op: 'add-tree', cwd: trees, folder: 'pinned' }) : undefined
  await runCairn(['add', '-r', '-q', '--pin=false', join(trees, 'loose')], env)
  return { env, add, ...(stockAdd != null ? { stockAdd } : {}) }
}

const numObjects = async (env: Record<string, string>): Promise<number> => (JSON.parse(await runCairn(['repo', 'stat', '--json'], env)) as { NumObjects: number }).NumObjects

/** Lists and stats every block file: the least a pass over the whole repo costs. */
async function walkBlocks (repo: string): Promise<void> {
  const files = await readdir(join(repo, 'blocks'), { recursive: true })
  for (const f of files) if (f.endsWith('.data')) await stat(join(repo, 'blocks', f))
}

/** `routing reprovide` through a daemon on the repo; the peak RSS is the daemon's (start, sweep, stop). */
async function reprovide (env: Record<string, string>): Promise<Measured> {
  const daemon = await startMeasuredServer(['daemon'], env)
  // asked within the 5 s before the daemon's own first sweep: that one joins this one
  const sweep = await measureCairn(['routing', 'reprovide', '--json'], env).catch(async (err: Error) => { await daemon.stop(); throw err })
  return { ...sweep, peakRss: await daemon.stop() }
}

const ops: RepoOp[] = [
  { name: 'repo stat', rss: 'CLI', run: async env => await measureCairn(['repo', 'stat'], env) },
  { name: 'pin ls', rss: 'CLI', run: async env => await measureCairn(['pin', 'ls', '-q'], env) },
  { name: 'one reprovide sweep (`routing reprovide` through the daemon)', rss: 'daemon\'s, start to stop', run: reprovide },
  // last: it removes the unpinned half
  { name: 'repo gc', rss: 'CLI', run: async env => await measureCairn(['repo', 'gc', '-q'], env) }
]

/** Checks what an operation printed against the repo it ran on. */
function check (op: string, result: Measured, blocks: number, pinnedFiles: number): void {
  const out = result.output
  const ok = op === 'repo stat'
    ? Number(/NumObjects:\s+(\d+)/.exec(out)?.[1]) === blocks
    : op === 'pin ls'
      ? out.trim().split('\n').length >= pinnedFiles
      : op.startsWith('one reprovide')
        ? (JSON.parse(out) as { Queued: number }).Queued === blocks
        : true
  if (!ok) throw new Error(`${op} on ${blocks} blocks printed: ${out.slice(0, 200)}`)
}

/** Runs every repo operation on one repo; returns them by name, with the block count and the ceiling walk. */
async function measureRepo (env: Record<string, string>, files: number): Promise<{ blocks: number, walk: number, results: Map<string, Measured> }> {
  const blocks = await numObjects(env)
  const walk = await seconds(async () => { await walkBlocks(env.CAIRN_PATH as string) })
  const results = new Map<string, Measured>()
  for (const op of ops) {
    const result = await op.run(env)
    check(op.name, result, blocks, files / 2)
    results.set(op.name, result)
  }
  const left = await numObjects(env)
  if (blocks - left < files / 2) throw new Error(`repo gc removed ${blocks - left} blocks, expected ≥ ${files / 2}`)
  return { blocks, walk, results }
}

/**
 * The scale figures, one run of each (the sizes make one run long): files/s of `add -r`
 * beside stock Helia's `addAll` + pin, then seconds and peak RSS of each repo operation
 * on the large repo, with its growth from the small one in the note.
 */
export async function benchScale (dir: string, stock: StockNode, sizes: ScaleSizes, figures: Figure[]): Promise<void> {
  const files = sizes.large / 2
  const add = figure(`add -r ${count(files)} files of 100–1000 B, 1000 per folder (CLI wall time, pinned)${sizes.label}`, 'files/s', '—', '≥ 1 × stock')
  figures.push(add)
  const large = await buildRepo(dir, sizes.large, stock)
  add.cairn.push(files / large.add.seconds)
  add.stock.push(files / (large.stockAdd?.seconds ?? NaN))
  add.note = `stock: \`addAll(globSource(…))\` then \`pins.add(root)\` in the stock node (no process start-up); same root CID: ${String(large.add.output.trim().split('\n').pop() === large.stockAdd?.cid)}; Cairn peak RSS ${mib(large.add.peakRss)}`

  const big = await measureRepo(large.env, sizes.large)
  const small = await measureRepo((await buildRepo(dir, sizes.small)).env, sizes.small)
  for (const op of ops) {
    const at = (m: { results: Map<string, Measured> }): Measured => m.results.get(op.name) as Measured
    const row = figure(`${op.name}, repo of ${count(big.blocks)} blocks${sizes.label}`, 's', 'list + stat every block file', `time ≤ ~${Math.round(big.blocks / small.blocks)}× that at ${count(small.blocks)} blocks (linear)`)
    row.cairn.push(at(big).seconds)
    row.ceiling.push(big.walk)
    row.note = `peak RSS (${op.rss}) ${mib(at(big).peakRss)}; at ${count(small.blocks)} blocks ${at(small).seconds.toFixed(2)} s, ${mib(at(small).peakRss)}: time ×${(at(big).seconds / at(small).seconds).toFixed(1)}, RSS ×${(at(big).peakRss / at(small).peakRss).toFixed(1)} for ×${(big.blocks / small.blocks).toFixed(1)} blocks`
    figures.push(row)
  }
}
