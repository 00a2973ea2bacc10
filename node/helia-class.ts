import type { createHeliaLight as CreateHeliaLight } from 'helia'

/** Helia's node class, as `createHeliaLight` constructs it. */
export type HeliaClass = new (init: Parameters<typeof CreateHeliaLight>[0] & { name: string, version: string }) => ReturnType<typeof CreateHeliaLight>

/**
 * Helia's class and its package name and version, read from the files beside the `helia`
 * package index (the package exports only the index). The CLI bundle
 * (scripts/bundle-cli.mjs) replaces this module with static imports of the same files.
 */
export async function loadHeliaClass (): Promise<{ Helia: HeliaClass, name: string, version: string }> {
  const index = import.meta.resolve('helia')
  const [{ Helia }, { name, version }] = await Promise.all([
    import(new URL('./helia.js', index).href) as Promise<{ Helia: HeliaClass }>,
    import(new URL('./version.js', index).href) as Promise<{ name: string, version: string }>
  ])
  return { Helia, name, version }
}
