import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../errors.js'

const header = '/key/swarm/psk/1.0.0/'

/**
 * A new private-swarm key in Kubo's `swarm.key` format:
 * `/key/swarm/psk/1.0.0/`, `/base16/`, then 64 hex digits.
 */
export function generateSwarmKey (): string {
  return `${header}\n/base16/\n${randomBytes(32).toString('hex')}\n`
}

/**
 * Reads `<repo>/swarm.key` when it exists and checks its format. Returns the file's bytes
 * (what @libp2p/pnet's `preSharedKey` takes), or undefined when the repo has no key
 * (a public swarm).
 */
export async function readSwarmKey (path: string): Promise<Uint8Array | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l !== '')
  if (lines[0] !== header || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '') || lines.length !== 3) {
    throw new ConfigError(`${path}: not a swarm key (expected "${header}", "/base16/" and 64 hex digits on three lines)`)
  }
  return new TextEncoder().encode(`${header}\n/base16/\n${lines[2] as string}`)
}
