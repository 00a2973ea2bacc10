import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** protons-runtime's `writer` factory. */
export type ProtonsWriter = () => object

/**
 * The file of the protons-runtime copy that ipfs-unixfs encodes with, as Node finds it
 * from ipfs-unixfs's folder (nearest node_modules upwards), or undefined without one.
 */
export async function unixfsProtonsRuntimeFile (): Promise<string | undefined> {
  for (let at = dirname(fileURLToPath(import.meta.resolve('ipfs-unixfs'))); ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', 'protons-runtime')
    try {
      await access(join(candidate, 'package.json'))
      return join(candidate, 'dist/src/index.js')
    } catch {}
    if (dirname(at) === at) return undefined
  }
}

/**
 * The `writer` of the protons-runtime copy that ipfs-unixfs encodes with. The CLI bundle
 * (scripts/bundle-cli.mjs) replaces this module with a static import of that same file.
 */
export async function loadUnixfsProtonsWriter (): Promise<ProtonsWriter | undefined> {
  const file = await unixfsProtonsRuntimeFile()
  if (file == null) return undefined
  return (await import(pathToFileURL(file).href) as { writer: ProtonsWriter }).writer
}
