import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { InvalidDagError } from '../errors.js'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODEC, RAW } from './codecs.js'

/** Codecs whose blocks carry no IPLD links. */
const LEAF_CODECS: ReadonlySet<number> = new Set([RAW, CBOR, JSON_CODEC])

/** True when blocks of this codec can be read for links (or have none). */
export function isKnownCodec (code: number): boolean {
  return LEAF_CODECS.has(code) || code === DAG_PB || code === DAG_CBOR || code === DAG_JSON
}

/**
 * The CIDs a block links to, in the order they appear in the block. Raw, plain CBOR and
 * JSON have none; a block that does not decode is an ERR_INVALID_DAG, and so is a codec
 * Cairn cannot read (what it links to cannot be known).
 */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  try {
    switch (cid.code) {
      case DAG_PB:
        return dagPb.decode(bytes).Links.map(link => link.Hash)
      case DAG_CBOR:
        return collectCids(dagCbor.decode(bytes))
      case DAG_JSON:
        return collectCids(dagJson.decode(bytes))
    }
  } catch (err) {
    throw new InvalidDagError(`invalid DAG: block ${cid.toString()} does not decode (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (LEAF_CODECS.has(cid.code)) return []
  throw new InvalidDagError(`invalid DAG: block ${cid.toString()} has an unsupported codec 0x${cid.code.toString(16)}`)
}

/** Every CID in a decoded document, depth-first, without recursion. */
function collectCids (root: unknown): CID[] {
  const out: CID[] = []
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    const cid = CID.asCID(value)
    if (cid != null) {
      out.push(cid)
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i])
    } else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      const items = Object.values(value)
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i])
    }
  }
  return out
}
