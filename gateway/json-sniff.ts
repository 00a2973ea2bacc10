/** What {@link scanJson} found in a sample of text. */
export type JsonScan =
  /** One whole JSON value (surrounding whitespace allowed). */
  | 'complete'
  /** Valid so far: the start of a JSON value that the sample cuts off. */
  | 'prefix'
  | 'invalid'

const whitespace = new Set([' ', '\t', '\n', '\r'])
const literals = ['true', 'false', 'null']

/**
 * Checks, in one pass and without building values, whether `text` is a JSON value or
 * the start of one: the structure (objects, arrays, keys, commas, colons), strings with
 * their escapes, numbers and literals. Used to sniff JSON from the first bytes of a
 * file, where the sample may end anywhere.
 */
export function scanJson (text: string): JsonScan {
  // what the scanner expects next; `stack` holds the open containers
  type Want = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end'
  const stack: Array<'{' | '['> = []
  let want: Want = 'value'
  let i = 0
  const afterValue = (): Want => stack.length === 0 ? 'end' : 'comma-or-close'
  while (i < text.length) {
    const c = text[i] as string
    if (whitespace.has(c)) {
      i++
      continue
    }
    const open = stack.at(-1)
    const closes = (c === '}' && open === '{' && (want === 'comma-or-close' || want === 'key-or-close')) ||
      (c === ']' && open === '[' && (want === 'comma-or-close' || want === 'value-or-close'))
    if (closes) {
      stack.pop()
      want = afterValue()
      i++
      continue
    }
    switch (want) {
      case 'end':
        return 'invalid'
      case 'colon':
        if (c !== ':') return 'invalid'
        want = 'value'
        i++
        continue
      case 'comma-or-close':
        if (c !== ',') return 'invalid'
        want = open === '{' ? 'key' : 'value'
        i++
        continue
      case 'key':
      case 'key-or-close':
        if (c !== '"') return 'invalid'
        i = scanString(text, i)
        if (i < 0) return i === -1 ? 'prefix' : 'invalid'
        want = 'colon'
        continue
      case 'value':
      case 'value-or-close':
        if (c === '{' || c === '[') {
          stack.push(c)
          want = c === '{' ? 'key-or-close' : 'value-or-close'
          i++
          continue
        }
        if (c === '"') {
          i = scanString(text, i)
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          i = scanNumber(text, i)
        } else {
          i = scanLiteral(text, i)
        }
        if (i < 0) return i === -1 ? 'prefix' : 'invalid'
        want = afterValue()
        continue
    }
  }
  return want === 'end' ? 'complete' : 'prefix'
}

/** Index after the string that starts at `at`; -1 when the text ends inside it, -2 when invalid. */
function scanString (text: string, at: number): number {
  let i = at + 1
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return i + 1
    if (c < 0x20) return -2
    if (c === 0x5c) {
      const e = text[i + 1]
      if (e == null) return -1
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6)
        if (!/^[0-9a-fA-F]*$/.test(hex)) return -2
        if (hex.length < 4) return -1
        i += 6
        continue
      }
      if (!'"\\/bfnrt'.includes(e)) return -2
      i += 2
      continue
    }
    i++
  }
  return -1
}

/** Index after the number that starts at `at`; -1 when the text may end inside it, -2 when invalid. */
function scanNumber (text: string, at: number): number {
  const match = /^-?(0|[1-9]\d*)?(\.\d*)?([eE][+-]?\d*)?/.exec(text.slice(at, at + 400))
  const token = match?.[0] ?? ''
  const end = at + token.length
  if (end >= text.length) return -1
  // every part that was started must hold a digit: `-`, `1.`, `1e` and `1e+` are cut short
  if (match?.[1] == null || match[2] === '.' || /^[eE][+-]?$/.test(match[3] ?? 'x')) return -2
  return end
}

/** Index after `true`/`false`/`null` at `at`; -1 when the text ends inside one, -2 when invalid. */
function scanLiteral (text: string, at: number): number {
  const rest = text.slice(at, at + 5)
  for (const literal of literals) {
    if (rest.startsWith(literal)) return at + literal.length
    if (at + rest.length === text.length && literal.startsWith(rest)) return -1
  }
  return -2
}
