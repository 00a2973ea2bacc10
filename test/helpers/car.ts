import { CarBlockIterator } from '@ipld/car/iterator'
import { sha256 } from 'multiformats/hashes/sha2'
import type { CID } from 'multiformats/cid'

/** A CAR read back: its header roots and its blocks in stream order. */
export interface ParsedCar {
  roots: string[]
  blocks: Array<{ cid: CID, bytes: Uint8Array }>
  /** The block CIDs in order, as strings. */
  cids: string[]
}

/** Parses a whole CAR from chunks (bytes, a Buffer, or an async iterable of chunks). */
export async function parseCar (input: Uint8Array | AsyncIterable<Uint8Array>): Promise<ParsedCar> {
  const iterator = input instanceof Uint8Array
    ? await CarBlockIterator.fromBytes(input)
    : await CarBlockIterator.fromIterable(input)
  const roots = (await iterator.getRoots()).map(String)
  const blocks: ParsedCar['blocks'] = []
  for await (const block of iterator) blocks.push(block)
  return { roots, blocks, cids: blocks.map(b => b.cid.toString()) }
}

/** True when every sha2-256 block's bytes hash to its CID (other hashes are not checked). */
export async function blocksVerify (car: ParsedCar): Promise<boolean> {
  for (const { cid, bytes } of car.blocks) {
    if (cid.multihash.code !== sha256.code) continue
    const digest = await sha256.digest(bytes)
    if (!Buffer.from(digest.digest).equals(cid.multihash.digest)) return false
  }
  return true
}
