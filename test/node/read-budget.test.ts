import test, { type ExecutionContext } from 'ava'
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

/** A store over {@link memoryFile}'s that records which reads asked for pieces and yields those in 300-byte pieces. */
function piecewise (store: PieceSource): { store: PieceSource, inPieces: number, whole: number } {
  const counts = { inPieces: 0, whole: 0 }
  return Object.assign(counts, {
    store: {
      async * get (cid: CID, options?: { inPieces?: boolean }) {
        for await (const block of store.get(cid)) {
          if (options?.inPieces !== true) {
            counts.whole++
            yield block
            continue
          }
          counts.inPieces++
          for (let at = 0; at < block.byteLength; at += 300) yield block.subarray(at, at + 300)
        }
      }
    } satisfies PieceSource
  })
}

test('a reader that finds the budget full reads raw leaves in pieces, and whole while it has room', async t => {
  const { root, store, size } = await memoryFile(8, 1000)
  const expected = Buffer.concat(Array.from({ length: 8 }, (_, i) => Buffer.alloc(1000, i)))
  const full = piecewise(store)
  const parts: Uint8Array[] = []
  for await (const chunk of readFileBytes(full.store, root, size, { budget: new ReadBudget(0) })) parts.push(chunk)
  t.true(Buffer.concat(parts).equals(expected))
  t.deepEqual([full.inPieces, full.whole], [8, 0])

  const roomy = piecewise(store)
  const range: Uint8Array[] = []
  for await (const chunk of readFileBytes(roomy.store, root, size, { budget: new ReadBudget(1 << 20), offset: 1500, length: 3000 })) range.push(chunk)
  t.true(Buffer.concat(range).equals(expected.subarray(1500, 4500)))
  t.deepEqual([roomy.inPieces, roomy.whole], [0, 4])

  const part: Uint8Array[] = []
  for await (const chunk of readFileBytes(piecewise(store).store, root, size, { budget: new ReadBudget(0), offset: 1500, length: 3000 })) part.push(chunk)
  t.true(Buffer.concat(part).equals(expected.subarray(1500, 4500)), 'a range read in pieces')
})

/** A budget with four other reads under way: a fifth gets no views. */
function busyBudget (capacity: number): ReadBudget {
  const budget = new ReadBudget(capacity)
  for (let i = 0; i < 4; i++) budget.enter()
  return budget
}

/** A read under `budget` of a file of four 100,000-byte leaves, and its block reads counted. */
async function fourLeaves (budget: ReadBudget): Promise<{ reader: AsyncGenerator<Uint8Array, void, undefined>, counted: { inPieces: number, whole: number } }> {
  const { root, store, size } = await memoryFile(4, 100_000)
  const counted = piecewise(store)
  return { reader: readFileBytes(counted.store, root, size, { budget }), counted }
}

/** Checks that the reader holds one leaf of the budget, then that stopping it gives all back. */
async function stopsGivingBack (t: ExecutionContext, reader: AsyncGenerator<Uint8Array, void, undefined>, budget: ReadBudget): Promise<void> {
  t.is(budget.used, 100_000)
  await reader.return()
  t.is(budget.used, 0)
}

test('among many readers raw leaves come in pieces and take nothing from the budget', async t => {
  const budget = busyBudget(100_000)
  const { reader, counted } = await fourLeaves(budget)
  let n = 0
  for await (const chunk of reader) n += chunk.byteLength
  t.is(n, 400_000)
  t.deepEqual([counted.whole, counted.inPieces], [0, 4])
  t.is(budget.used, 0)
})

test('a block handed on as a view stays counted against the budget until the reader has taken the bytes after it', async t => {
  const budget = new ReadBudget(100_000)
  const { reader, counted } = await fourLeaves(budget)
  const first = await reader.next()
  t.is(first.value?.byteLength, 100_000, 'the first leaf, whole, in one view')
  t.is(budget.used, 100_000)
  t.deepEqual([counted.whole, counted.inPieces], [1, 0], 'so nothing is read ahead of it')
  // the reader may still hold that view: the second leaf finds no room, and comes in pieces
  await reader.next()
  t.deepEqual([counted.whole, counted.inPieces], [1, 1])
  t.is(budget.used, 100_000)
  // once past the second leaf, the first is given back and the third comes whole
  while (counted.whole < 2) t.false((await reader.next()).done)
  t.deepEqual([counted.whole, counted.inPieces], [2, 1])
  await stopsGivingBack(t, reader, budget)
})

test('a few readers get a counted block as a view of itself, many read leaves in pieces', async t => {
  const { root, store, size } = await memoryFile(2, 100_000)
  const blocks: Uint8Array[] = []
  const recording: PieceSource = {
    async * get (cid) {
      for await (const block of store.get(cid)) {
        blocks.push(block)
        yield block
      }
    }
  }
  const chunks: Uint8Array[] = []
  for await (const chunk of readFileBytes(recording, root, size, { budget: new ReadBudget(1 << 20) })) chunks.push(chunk)
  t.is(chunks.length, 2)
  t.true(chunks.every((chunk, i) => chunk.buffer === blocks[i]?.buffer))
  // a fifth reader at once: each leaf is asked for in pieces, not read whole
  const many = piecewise(store)
  let n = 0
  for await (const chunk of readFileBytes(many.store, root, size, { budget: busyBudget(1 << 20) })) n += chunk.byteLength
  t.is(n, 200_000)
  t.deepEqual([many.whole, many.inPieces], [0, 2])
})

test('a leaf read in pieces that is shorter or longer than its parent says is an invalid DAG', async t => {
  const leaf = new Uint8Array(1000).fill(1)
  const cid = CID.createV1(raw.code, await sha256.digest(leaf))
  const store: PieceSource = { async * get () { yield leaf } }
  for (const said of [999n, 1001n]) {
    const file = new UnixFS({ type: 'file', blockSizes: [said] })
    const root = dagPb.prepare({ Data: file.marshal(), Links: [{ Hash: cid, Tsize: 1000 }] })
    const read = async (): Promise<number> => {
      let n = 0
      for await (const chunk of readFileBytes(piecewise(store).store, root, said, { budget: new ReadBudget(0) })) n += chunk.byteLength
      return n
    }
    await t.throwsAsync(read(), { code: 'ERR_INVALID_DAG', message: /holds 1000 bytes where its parent's block sizes say/ })
  }
})
