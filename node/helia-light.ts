import type { createHeliaLight as CreateHeliaLight } from 'helia'

type HeliaClass = new (init: Parameters<typeof CreateHeliaLight>[0] & { name: string, version: string }) => ReturnType<typeof CreateHeliaLight>

/**
 * Helia's `createHeliaLight`, without importing the `helia` package index: that index
 * also loads @helia/libp2p, @helia/http and @helia/bitswap (about 950 modules, most of a
 * second of start-up) which a node without a network never uses. The Helia class and
 * its name and version are read from the files beside the index, as the index does.
 */
export async function createHeliaLight (init: Parameters<typeof CreateHeliaLight>[0]): Promise<ReturnType<typeof CreateHeliaLight>> {
  const index = import.meta.resolve('helia')
  const [{ Helia }, { name, version }] = await Promise.all([
    import(new URL('./helia.js', index).href) as Promise<{ Helia: HeliaClass }>,
    import(new URL('./version.js', index).href) as Promise<{ name: string, version: string }>
  ])
  return new Helia({ name, version, ...init })
}
