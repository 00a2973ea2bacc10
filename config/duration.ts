import { ConfigError } from '../node/errors.js'

/**
 * The longest duration Cairn accepts: Node's timer limit (2^31 - 1 ms, about 596 hours).
 * A longer one would overflow `setTimeout` into an instant timeout.
 */
export const maxDurationMs = 2 ** 31 - 1

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Reads a Go-style duration (`30s`, `1h30m`, `250ms`) as milliseconds, or returns why it
 * is not one: a string describing the problem (not a number, or longer than {@link maxDurationMs}).
 */
export function readDuration (text: string): number | string {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let consumed = 0
  for (const match of text.matchAll(re)) {
    total += Number(match[1]) * (units[match[2] as string] as number)
    consumed += match[0].length
  }
  if (text === '' || consumed !== text.length) return 'use e.g. 30s, 5m, 1h30m'
  if (total > maxDurationMs) return `at most ${Math.floor(maxDurationMs / units.h!)}h`
  return total
}

/**
 * Parses a Go-style duration (`30s`, `1h30m`, `250ms`) into milliseconds, at most
 * 596h (Node's timer limit). `what` names the value in the error (`--timeout`, a config key).
 */
export function parseDuration (text: string, what = 'duration'): number {
  const ms = readDuration(text)
  if (typeof ms === 'string') throw new ConfigError(`invalid ${what} "${text}" (${ms})`)
  return ms
}
