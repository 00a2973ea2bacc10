import type { createHeliaLight as CreateHeliaLight } from 'helia'

/** Helia's node class, as `createHeliaLight` constructs it. */
export type HeliaClass = new (init: Parameters<typeof CreateHeliaLight>[0] & { name: string, version: string }) => ReturnType<typeof CreateHeliaLight>

/** The URL of `file` beside the `helia` package index (the package exports only the index). */
export function heliaFile (file: 'helia.js' | 'version.js'): string {
  return new URL(`./${file}`, import.meta.resolve('helia')).href
}

/**
 * Helia's class and its package name and version. The CLI bundle
 * (scripts/bundle-cli.mjs) replaces this module with static imports of the same files.
 */
export async function loadHeliaClass (): Promise<{ Helia: HeliaClass, name: string, version: string }> {
  const [{ Helia }, { name, version }] = await Promise.all([
    import(heliaFile('helia.js')) as Promise<{ Helia: HeliaClass }>,
    import(heliaFile('version.js')) as Promise<{ name: string, version: string }>
  ])
  return { Helia, name, version }
}
