import type { createHeliaLight as CreateHeliaLight } from 'helia'
import { loadHeliaClass } from './helia-class.js'

/**
 * Helia's `createHeliaLight`, without importing the `helia` package index: that index
 * also loads @helia/libp2p, @helia/http and @helia/bitswap (about 950 modules, most of a
 * second of start-up) which a node without a network never uses.
 */
export async function createHeliaLight (init: Parameters<typeof CreateHeliaLight>[0]): Promise<ReturnType<typeof CreateHeliaLight>> {
  const { Helia, name, version } = await loadHeliaClass()
  return new Helia({ name, version, ...init })
}
