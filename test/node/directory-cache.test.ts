import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { DirectoryCache } from '../../node/content/directory-cache.js'

/** An in-memory block reader that counts its reads. */
function store () {
  const blocks = new Map<string, Uint8Array>()
  const reads: string[] = []
  return {
    reads,
    async put (code: number, bytes: Uint8Array): Promise<CID> {
      const cid = CID.createV1(code, await sha256.digest(bytes))
      blocks.set(cid.toString(), bytes)
      return cid
    },
    async * get (cid: CID) {
      reads.push(cid.toString())
      const block = blocks.get(cid.toString())
      if (block == null) throw new Error(`no block ${cid.toString()}`)
      yield block
    }
  }
}

async function directory (s: ReturnType<typeof store>, type: 'directory' | 'hamt-sharded-directory', names: string[]): Promise<{ cid: CID, files: CID[] }> {
  const files = await Promise.all(names.map(async name => await s.put(raw.code, new TextEncoder().encode(name))))
  const node = dagPb.prepare({ Data: new UnixFS({ type }).marshal(), Links: names.map((Name, i) => ({ Name, Hash: files[i] as CID, Tsize: 1 })) })
  return { cid: await s.put(dagPb.code, dagPb.encode(node)), files }
}

test('a plain directory is read and decoded once, then answered from the cache', async t => {
  const s = store()
  const dir = await directory(s, 'directory', ['a', 'b'])
  const cache = new DirectoryCache(1024 * 1024)
  t.deepEqual((await cache.links(s, dir.cid))?.get('b'), dir.files[1])
  t.deepEqual((await cache.links(s, dir.cid))?.get('a'), dir.files[0])
  t.is(s.reads.length, 1)
})

test('a HAMT shard, a file and a raw block are no plain directory', async t => {
  const s = store()
  const hamt = await directory(s, 'hamt-sharded-directory', ['a'])
  const file = await s.put(dagPb.code, dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'file', data: new Uint8Array(3) }).marshal() })))
  const cache = new DirectoryCache(1024 * 1024)
  t.is(await cache.links(s, hamt.cid), undefined)
  t.is(await cache.links(s, file), undefined)
  t.is(await cache.links(s, hamt.files[0] as CID), undefined)
})

test('the cache stays within its bytes: the least recently used directory is read again', async t => {
  const s = store()
  const first = await directory(s, 'directory', ['a'])
  const second = await directory(s, 'directory', ['b'])
  const third = await directory(s, 'directory', ['c'])
  const blockBytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: 'a', Hash: first.files[0] as CID, Tsize: 1 }] })).byteLength
  // room for two directory blocks
  const cache = new DirectoryCache(2 * blockBytes)
  await cache.links(s, first.cid)
  await cache.links(s, second.cid)
  await cache.links(s, first.cid) // first is now the most recently used
  await cache.links(s, third.cid) // drops second
  s.reads.length = 0
  await cache.links(s, first.cid)
  await cache.links(s, third.cid)
  t.deepEqual(s.reads, [])
  await cache.links(s, second.cid)
  t.deepEqual(s.reads, [second.cid.toString()])
})
