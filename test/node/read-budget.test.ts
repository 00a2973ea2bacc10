import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { readFileBytes } from '../../node/unixfs/file-bytes.js'
import { ReadBudget } from '../../node/unixfs/read-budget.js'
import type { PieceSource } from '../../node/unixfs/whole-blocks.js'

/** A file of `count` raw leaves of `leafSize` bytes in memory, and the blockstore reads counted. */
async function memoryFile (count: number, leafSize: number): Promise<{ root: dagPb.PBNode, store: PieceSource, size: bigint }> {
  const blocks = new Map<string, Uint8Array>()
  const links: dagPb.PBLink[] = []
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(leafSize).fill(i)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    blocks.set(cid.toString(), bytes)
    links.push({ Hash: cid, Tsize: leafSize })
  }
  const file = new UnixFS({ type: 'file', blockSizes: links.map(() => BigInt(leafSize)) })
  const store: PieceSource = {
    async * get (cid) { yield blocks.get(cid.toString()) as Uint8Array }
  }
  return { root: dagPb.prepare({ Data: file.marshal(), Links: links }), store, size: BigInt(count * leafSize) }
}

test('with no read-ahead budget left a reader still gets every block it waits for', async t => {
  const { root, store, size } = await memoryFile(8, 1000)
  const budget = new ReadBudget(0)
  let n = 0
  for await (const chunk of readFileBytes(store, root, size, { budget })) n += chunk.byteLength
  t.is(n, 8000)
  t.is(budget.used, 0)
})

test('read-ahead takes from the shared budget and gives it all back when the reader stops early', async t => {
  const { root, store, size } = await memoryFile(8, 1000)
  const budget = new ReadBudget(2500)
  const reader = readFileBytes(store, root, size, { budget })
  await reader.next()
  t.true(budget.used > 0 && budget.used <= 2500, `used ${budget.used}`)
  await reader.return()
  t.is(budget.used, 0)
})
