import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The version in the `package.json` of the package `name` whose files include `fromUrl`,
 * found by walking up from that file (the same code runs from the sources and from `dist/`).
 */
function packageVersion (fromUrl: string, name: string): string {
  for (let dir = dirname(fileURLToPath(fromUrl)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version
    } catch {}
    if (dirname(dir) === dir) return 'unknown'
  }
}

/** Cairn's own version, from its package.json. */
export const cairnVersion = packageVersion(import.meta.url, 'cairn')

/** The agent string sent in identify and shown by `id` (`cairn/0.1.0`). */
export const agentVersion = `cairn/${cairnVersion}`

/** What `cairn version --all` prints, in Kubo's `ipfs version --all` shape. */
export interface VersionInfo {
  Version: string
  System: string
  Node: string
  Helia: string
  Libp2p: string
}

/** Cairn's version with the platform's and the versions of the Node.js, Helia and libp2p it runs on. */
export function versionInfo (): VersionInfo {
  return {
    Version: cairnVersion,
    System: `${process.arch}/${process.platform}`,
    Node: process.version,
    Helia: packageVersion(import.meta.resolve('helia'), 'helia'),
    Libp2p: packageVersion(import.meta.resolve('libp2p'), 'libp2p')
  }
}
