import { setFlagsFromString } from 'node:v8'

/** The old generation's growth per full collection in a long-running server: ×2. */
const serverHeapGrowingPercent = 100

/**
 * The V8 flags a long-running server sets on itself: a fixed heap growth factor, unless
 * node was started with `--heap-growing-percent` of its own (`execArgv`), which wins.
 */
export function serverHeapFlags (execArgv: readonly string[]): string[] {
  if (execArgv.some(arg => arg.startsWith('--heap-growing-percent'))) return []
  return [`--heap-growing-percent=${serverHeapGrowingPercent}`]
}

/**
 * Fixes how far V8 lets the heap grow after each full collection, for `cairn daemon` and
 * `cairn gateway`. Left to itself V8 derives the factor from how cheap its last
 * collections were; a daemon that was idle between two bursts got a limit barely above
 * its live heap, and the next burst (serving a peer 256 MiB) ran a full collection every
 * ~35 ms, 20-30 % of its time. Short commands keep V8's own heuristic, which suits them
 * better (`add -n` and `cat` of 512 MiB were 1.14x slower with this factor).
 */
export function fixServerHeapGrowth (): void {
  for (const flag of serverHeapFlags(process.execArgv)) setFlagsFromString(flag)
}
