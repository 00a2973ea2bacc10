import type { CID } from 'multiformats/cid'

/**
 * A block sink for `add --only-hash`: the importer computes every CID, nothing is stored.
 */
export const hashOnlyBlockstore = {
  put (cid: CID): CID {
    return cid
  }
}
