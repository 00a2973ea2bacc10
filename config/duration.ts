import { ConfigError } from '../node/errors.js'

/** Parses a Go-style duration (`30s`, `1h30m`, `250ms`) into milliseconds. */
export function parseDuration (text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let consumed = 0
  for (const match of text.matchAll(re)) {
    const n = Number(match[1])
    const unit = match[2]
    total += n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000)
    consumed += match[0].length
  }
  if (text === '' || consumed !== text.length) {
    throw new ConfigError(`invalid duration "${text}" (use e.g. 30s, 5m, 1h30m)`)
  }
  return total
}
