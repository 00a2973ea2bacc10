import test from 'ava'
import { randomBytes } from 'node:crypto'
import { getEventListeners } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { UnixFS } from 'ipfs-unixfs'
import { PeerCarFetch, type CarWant, type GatewaySource } from '../../node/network/peer-car-fetch.js'
import { carBytes, pbBlock, rawBlock, type TestBlock } from '../helpers/hostile-dags.js'
import { waitFor } from '../helpers/nodes.js'
import type { PeerId } from '@libp2p/interface'
import type { AddressInfo } from 'node:net'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

/** Whether a want brought exactly these bytes. */
const brought = async (block: Promise<Uint8Array | undefined> | undefined, bytes: Uint8Array): Promise<boolean> => {
  const got = await block
  return got != null && Buffer.from(got).equals(bytes)
}

/** A UnixFS file: a dag-pb root over `count` raw leaves of `size` random bytes. */
async function fileDag (count: number, size: number): Promise<{ root: TestBlock, leaves: TestBlock[] }> {
  const leaves = await Promise.all(Array.from({ length: count }, async () => await rawBlock(randomBytes(size))))
  const data = new UnixFS({ type: 'file', blockSizes: leaves.map(l => BigInt(l.bytes.byteLength)) }).marshal()
  const root = await pbBlock({ Data: data, Links: leaves.map(l => ({ Hash: l.cid, Tsize: l.bytes.byteLength })) })
  return { root, leaves }
}

/** A CAR's bytes cut after its header and first block, so a server can hold the rest back. */
async function carParts (root: CID, blocks: TestBlock[]): Promise<{ head: Uint8Array, rest: Uint8Array }> {
  const whole = await carBytes([root], blocks)
  const head = await carBytes([root], blocks.slice(0, 1))
  return { head, rest: whole.subarray(head.byteLength) }
}

interface CarServer {
  url: string
  requests: string[]
  /** Requests whose connection closed before the response ended. */
  cut: () => number
}

/** A gateway on loopback answering `/ipfs/<cid>` with `handler`. */
async function carServer (t: { teardown: (fn: () => void) => void }, handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<CarServer> {
  const requests: string[] = []
  let cut = 0
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    // 'finish': the whole response went to the OS (writableFinished also holds once a cut socket is gone)
    let finished = false
    res.once('finish', () => { finished = true })
    res.once('close', () => { if (!finished) cut++ })
    void handler(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, cut: () => cut }
}

const carHeaders = { 'content-type': 'application/vnd.ipld.car; version=1' }

/** A gateway that sends a file's CAR up to its root, and the rest once released. */
async function heldCarServer (t: { teardown: (fn: () => void) => void }, root: TestBlock, leaves: TestBlock[]): Promise<{ gateway: CarServer, release: () => void }> {
  const { head, rest } = await carParts(root.cid, [root, ...leaves])
  let release = (): void => {}
  const held = new Promise<void>(resolve => { release = resolve })
  const gateway = await carServer(t, async (_req, res) => {
    res.writeHead(200, carHeaders)
    res.write(head)
    await held
    res.end(rest)
  })
  return { gateway, release }
}

/** Peers offering these gateways, in this order. */
function gateways (urls: string[]): GatewaySource {
  const peers = urls.map((url, i) => ({ url, peer: { toString: () => `peer-${i}` } as unknown as PeerId }))
  return {
    offering: () => peers.map(p => p.peer),
    gatewayOf: async peer => peers.find(p => p.peer === peer)?.url
  }
}

interface Fetcher {
  cars: PeerCarFetch
  stored: Map<string, Uint8Array>
}

function fetcher (t: { teardown: (fn: () => void) => void }, urls: string[], options: { blocked?: (cid: CID) => boolean, stallMs?: number } = {}): Fetcher {
  const stored = new Map<string, Uint8Array>()
  const stopping = new AbortController()
  t.teardown(() => { stopping.abort() })
  const cars = new PeerCarFetch({
    gateways: gateways(urls),
    blocked: async cid => options.blocked?.(cid) ?? false,
    signal: stopping.signal,
    store: async (cid, bytes) => { stored.set(cid.toString(), bytes) },
    ...(options.stallMs != null ? { stallMs: options.stallMs } : {})
  })
  return { cars, stored }
}

test('one CAR request brings a file: the blocks waited for go to their readers, the others to the store', async t => {
  const { root, leaves } = await fileDag(6, 100_000)
  const { gateway, release } = await heldCarServer(t, root, leaves)
  const { cars, stored } = fetcher(t, [gateway.url])
  t.is(cars.want(root.cid), undefined, 'no stream is to bring the root')
  // the root came over bitswap: it opens a stream for what is below it
  cars.fetchedElsewhere(root.cid, root.bytes)
  const first = cars.want((leaves[0] as TestBlock).cid)
  const second = cars.want((leaves[1] as TestBlock).cid)
  t.true(first != null && second != null, 'what the root links to waits on its stream')
  release()
  t.true(await brought(first?.block, (leaves[0] as TestBlock).bytes))
  t.true(await brought(second?.block, (leaves[1] as TestBlock).bytes))
  await waitFor(() => stored.size === 4)
  t.deepEqual([...stored.keys()].sort(), leaves.slice(2).map(l => l.cid.toString()).sort(), 'the blocks nobody waited for are stored')
  t.is(gateway.requests.length, 1)
  t.regex(gateway.requests[0] ?? '', new RegExp(`^/ipfs/${root.cid.toString()}\\?format=car&dag-scope=all$`))
})

test('a block that does not hash to its CID is not taken, and the stream ends with it', async t => {
  const { root, leaves } = await fileDag(40, 1000)
  const [good, bad, ...after] = leaves as [TestBlock, TestBlock, ...TestBlock[]]
  const car = await carBytes([root.cid], [root, good, { cid: bad.cid, bytes: randomBytes(1000) }, ...after])
  const gateway = await carServer(t, (req, res) => {
    if ((req.url ?? '').startsWith(`/ipfs/${root.cid.toString()}`)) res.writeHead(200, carHeaders).end(car)
    else res.writeHead(412).end()
  })
  const { cars, stored } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.is(await cars.want(bad.cid)?.block, undefined, 'the bad block is not handed on')
  await waitFor(() => stored.has(good.cid.toString()))
  t.false(stored.has(bad.cid.toString()), 'nor stored')
  // the blocks whose checks were under way beside it may be taken (each matches its CID); no more are read
  const taken = after.filter(l => stored.has(l.cid.toString())).length
  t.true(taken < 16, `${taken} of the ${after.length} blocks after it taken`)
})

test('a block the DAG does not link to is skipped, not stored', async t => {
  const { root, leaves } = await fileDag(2, 1000)
  const stranger = await rawBlock(randomBytes(1000))
  const car = await carBytes([root.cid], [root, leaves[0] as TestBlock, stranger, leaves[1] as TestBlock])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(car) })
  const { cars, stored } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(await brought(cars.want((leaves[1] as TestBlock).cid)?.block, (leaves[1] as TestBlock).bytes))
  t.true(stored.has((leaves[0] as TestBlock).cid.toString()))
  t.false(stored.has(stranger.cid.toString()))
})

test('a peer without the root answers 412 and the next peer offering a gateway is asked', async t => {
  const { root, leaves } = await fileDag(1, 1000)
  const car = await carBytes([root.cid], [root, ...leaves])
  const without = await carServer(t, (req, res) => {
    t.is(req.headers['cache-control'], 'only-if-cached', 'a peer is never made to fetch for us')
    res.writeHead(412).end('not cached')
  })
  const holder = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(car) })
  const leaf = leaves[0] as TestBlock
  const { cars } = fetcher(t, [without.url, holder.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(await brought(cars.want(leaf.cid)?.block, leaf.bytes))
  t.is(without.requests.length, 1)
  t.is(holder.requests.length, 1)

  const alone = fetcher(t, [without.url])
  alone.cars.fetchedElsewhere(root.cid, root.bytes)
  t.is(await alone.cars.want(leaf.cid)?.block, undefined, 'nobody holds it: the want gets nothing and goes elsewhere')
})

test('a stream that stalls is given up: the blocks waited for come back empty and the connection is closed', async t => {
  const { root, leaves } = await fileDag(2, 1000)
  const { head } = await carParts(root.cid, [root, ...leaves])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).write(head) })
  const { cars } = fetcher(t, [gateway.url], { stallMs: 300 })
  cars.fetchedElsewhere(root.cid, root.bytes)
  const started = Date.now()
  t.is(await cars.want((leaves[0] as TestBlock).cid)?.block, undefined)
  t.true(Date.now() - started < 5000)
  await waitFor(() => gateway.cut() === 1)
  t.pass()
})

test('a stream stops when every read waiting on it has gone, and when it falls behind four times: reads that waited too long, blocks from elsewhere first', async t => {
  const { root, leaves } = await fileDag(8, 1000)
  const { head } = await carParts(root.cid, [root, ...leaves])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).write(head) })
  // no stall watchdog within the test's time: only the rules under test stop a stream
  const { cars } = fetcher(t, [gateway.url], { stallMs: 60_000 })
  const reader = new AbortController()
  cars.fetchedElsewhere(root.cid, root.bytes, reader.signal)
  cars.want((leaves[0] as TestBlock).cid, reader.signal)
  await waitFor(() => gateway.requests.length === 1)
  reader.abort()
  await waitFor(() => gateway.cut() === 1)

  const beaten = fetcher(t, [gateway.url], { stallMs: 60_000 })
  beaten.cars.fetchedElsewhere(root.cid, root.bytes)
  const want = (leaf: TestBlock | undefined): CarWant => beaten.cars.want((leaf as TestBlock).cid) as CarWant
  const first = want(leaves[0])
  first.late()
  // one want counts once, however it fell behind
  first.fetchedElsewhere((leaves[0] as TestBlock).bytes)
  want(leaves[1]).fetchedElsewhere((leaves[1] as TestBlock).bytes)
  const third = want(leaves[2])
  third.late()
  third.late()
  await new Promise(resolve => setTimeout(resolve, 200))
  t.is(gateway.cut(), 1, 'three times behind: the stream goes on')
  want(leaves[3]).late()
  await waitFor(() => gateway.cut() === 2)
  t.is(await third.block, undefined, 'a read still waiting on the stopped stream is let go')
})

test('a stream tells how long a block will take at its rate so far, once it has brought two', async t => {
  const { root, leaves } = await fileDag(40, 1000)
  const { head, rest } = await carParts(root.cid, [root, ...leaves])
  let release = (): void => {}
  const held = new Promise<void>(resolve => { release = resolve })
  // the root, then five leaves 40 ms apart, then the rest once released
  const sections = await Promise.all(leaves.slice(0, 5).map(async (_, i) => (await carParts(root.cid, [root, ...leaves.slice(0, i + 1)])).rest))
  const gateway = await carServer(t, async (_req, res) => {
    res.writeHead(200, carHeaders).write(head)
    let sent = 0
    for (const upTo of sections) {
      await new Promise(resolve => setTimeout(resolve, 40))
      res.write(upTo.subarray(sent))
      sent = upTo.byteLength
    }
    await held
    res.end(rest.subarray(sent))
  })
  const { cars } = fetcher(t, [gateway.url], { stallMs: 60_000 })
  cars.fetchedElsewhere(root.cid, root.bytes)
  const near = cars.want((leaves[0] as TestBlock).cid) as CarWant
  t.is(near.etaMs(), undefined, 'nothing brought yet: no rate')
  t.truthy(await near.block)
  await cars.want((leaves[4] as TestBlock).cid)?.block
  const soon = (cars.want((leaves[6] as TestBlock).cid) as CarWant).etaMs() as number
  const later = (cars.want((leaves[30] as TestBlock).cid) as CarWant).etaMs() as number
  // five leaves in about 160 ms after the first: ~40 ms a leaf, 2 and 26 leaves to go
  t.true(soon > 20 && soon < 400, `two leaves on: ${soon} ms`)
  t.true(later > 10 * soon, `26 leaves on: ${later} ms against ${soon}`)
  release()
})

test('a blocked block is neither handed on nor stored', async t => {
  const { root, leaves } = await fileDag(2, 1000)
  const [blocked, allowed] = leaves as [TestBlock, TestBlock]
  const car = await carBytes([root.cid], [root, blocked, allowed])
  const gateway = await carServer(t, (req, res) => {
    if ((req.url ?? '').startsWith(`/ipfs/${root.cid.toString()}`)) res.writeHead(200, carHeaders).end(car)
    else res.writeHead(412).end()
  })
  const { cars, stored } = fetcher(t, [gateway.url], { blocked: cid => cid.equals(blocked.cid) })
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(await brought(cars.want(allowed.cid)?.block, allowed.bytes))
  t.false(stored.has(blocked.cid.toString()))
  t.is(await cars.want(blocked.cid)?.block, undefined)
})

test('a stream reads at most 16 MiB ahead of its readers, then waits for one (its rate leaves the wait out)', async t => {
  const { root, leaves } = await fileDag(48, MiB)
  const car = await carBytes([root.cid], [root, ...leaves])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(car) })
  const { cars, stored } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(await brought(cars.want((leaves[0] as TestBlock).cid)?.block, (leaves[0] as TestBlock).bytes))
  await waitFor(() => stored.size >= 17)
  await new Promise(resolve => setTimeout(resolve, 1500))
  // past 16 MiB the checks under way (at most 16) still finish
  t.true(stored.size <= 33, `${stored.size} blocks stored with nobody waiting`)
  const last = leaves[47] as TestBlock
  const want = cars.want(last.cid) as CarWant
  // ~14 blocks to go at loopback speed; counting the 1.5 s paused, it would be ~700 ms
  const eta = want.etaMs() as number
  t.true(eta < 400, `${eta} ms to the last block`)
  t.true(await brought(want.block, last.bytes), 'a read waiting far ahead takes the stream on to its block')
  t.is(gateway.requests.length, 1)
})

test('a block without links opens no stream; one below a stream that ended short opens none either', async t => {
  const [x, y, z] = await Promise.all([1, 2, 3].map(async () => await rawBlock(randomBytes(1000))))
  const mid = await pbBlock({ Data: new UnixFS({ type: 'file', blockSizes: [1000n, 1000n] }).marshal(), Links: [x, y].map(l => ({ Hash: (l as TestBlock).cid, Tsize: 1000 })) })
  const root = await pbBlock({ Data: new UnixFS({ type: 'file', blockSizes: [2000n, 1000n] }).marshal(), Links: [mid, z].map(l => ({ Hash: (l as TestBlock).cid, Tsize: 1000 })) })
  const short = await carBytes([root.cid], [root])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(short) })
  const { cars } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere((x as TestBlock).cid, (x as TestBlock).bytes)
  t.is(gateway.requests.length, 0, 'a raw block opens nothing')
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.is(await cars.want(mid.cid)?.block, undefined, 'the stream ended without it')
  cars.fetchedElsewhere(mid.cid, mid.bytes)
  t.is(cars.want((x as TestBlock).cid), undefined, 'below a stream that ended short: no new stream')
  t.is(gateway.requests.length, 1)

  const { head } = await carParts(root.cid, [root, mid])
  const holding = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).write(head) })
  const again = fetcher(t, [holding.url], { stallMs: 60_000 })
  const reader = new AbortController()
  again.cars.fetchedElsewhere(root.cid, root.bytes, reader.signal)
  again.cars.want(mid.cid, reader.signal)
  await waitFor(() => holding.requests.length === 1)
  reader.abort()
  await waitFor(() => holding.cut() === 1)
  again.cars.fetchedElsewhere(mid.cid, mid.bytes)
  again.cars.want((x as TestBlock).cid)
  await waitFor(() => holding.requests.length === 2)
  t.pass('a stream whose readers left leaves the DAG free to open another')
})

test('a paused stream that nobody reads on is given up after fifteen stall periods', async t => {
  // 40 MiB sent, the rest held back: more than 16 MiB ahead and the 16 checks under way past it
  const { root, leaves } = await fileDag(48, MiB)
  const sent = await carBytes([root.cid], [root, ...leaves.slice(0, 40)])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).write(sent) })
  // a stall period long enough for a busy machine's first bytes (other tests run alongside)
  const { cars, stored } = fetcher(t, [gateway.url], { stallMs: 300 })
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(await brought(cars.want((leaves[0] as TestBlock).cid)?.block, (leaves[0] as TestBlock).bytes))
  await waitFor(() => stored.size >= 17)
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.is(gateway.cut(), 0, 'paused, not stalled')
  t.true(stored.size < 40, `${stored.size} stored`)
  await waitFor(() => gateway.cut() === 1, 10_000)
  t.pass()
})

test('a long read waiting on many blocks leaves no listener per block on its signal (each would hold its block)', async t => {
  const { root, leaves } = await fileDag(20, 10_000)
  const { gateway, release } = await heldCarServer(t, root, leaves)
  const { cars } = fetcher(t, [gateway.url])
  const reader = new AbortController()
  cars.fetchedElsewhere(root.cid, root.bytes, reader.signal)
  const wants = leaves.map(leaf => cars.want(leaf.cid, reader.signal)?.block)
  release()
  for (const [i, want] of wants.entries()) t.true(await brought(want, (leaves[i] as TestBlock).bytes))
  t.true(getEventListeners(reader.signal, 'abort').length <= 1, `${getEventListeners(reader.signal, 'abort').length} listeners left`)
})

test('a CAR whose root is not the one asked for is not read', async t => {
  const { root, leaves } = await fileDag(2, 1000)
  const other = await rawBlock(randomBytes(10))
  const car = await carBytes([other.cid], [root, ...leaves])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(car) })
  const { cars, stored } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.is(await cars.want((leaves[0] as TestBlock).cid)?.block, undefined)
  t.is(stored.size, 0)
})

test('a block far ahead in the stream is not worth waiting for: the read asks the other sources at once', async t => {
  const { root, leaves } = await fileDag(100, 1000)
  // the root and its first two leaves, then nothing
  const head = await carBytes([root.cid], [root, ...leaves.slice(0, 2)])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).write(head) })
  const { cars, stored } = fetcher(t, [gateway.url], { stallMs: 60_000 })
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.true(cars.want((leaves[10] as TestBlock).cid)?.near, 'ten links on: about to come')
  t.false(cars.want((leaves[90] as TestBlock).cid)?.near, 'ninety links on: far ahead')
  await waitFor(() => stored.has((leaves[1] as TestBlock).cid.toString()))
  t.true(cars.want((leaves[65] as TestBlock).cid)?.near, 'near counts from the last link the stream brought')
  t.false(cars.want((leaves[66] as TestBlock).cid)?.near)
})

test('a UnixFS directory opens no stream: its entries each open their own', async t => {
  const { root: file, leaves } = await fileDag(2, 1000)
  const dir = await pbBlock({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: 'a.bin', Hash: file.cid, Tsize: 2000 }] })
  const gateway = await carServer(t, (_req, res) => { res.writeHead(412).end() })
  const { cars } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(dir.cid, dir.bytes)
  t.is(cars.want(file.cid), undefined, 'the entry waits on no stream')
  await new Promise(resolve => setTimeout(resolve, 100))
  t.is(gateway.requests.length, 0)
  cars.fetchedElsewhere(file.cid, file.bytes)
  cars.want((leaves[0] as TestBlock).cid)
  await waitFor(() => gateway.requests.length === 1)
  t.regex(gateway.requests[0] ?? '', new RegExp(`^/ipfs/${file.cid.toString()}\\?`))
})

test('a stream is asked for only once a read wants a block near its start: a range read far into a file asks nothing', async t => {
  const { root, leaves } = await fileDag(100, 1000)
  const car = await carBytes([root.cid], [root, ...leaves])
  const gateway = await carServer(t, (_req, res) => { res.writeHead(200, carHeaders).end(car) })
  const { cars } = fetcher(t, [gateway.url])
  cars.fetchedElsewhere(root.cid, root.bytes)
  t.false(cars.want((leaves[90] as TestBlock).cid)?.near)
  await new Promise(resolve => setTimeout(resolve, 200))
  t.is(gateway.requests.length, 0, 'nothing asked for a read that starts far in')
  t.true(await brought(cars.want((leaves[0] as TestBlock).cid)?.block, (leaves[0] as TestBlock).bytes))
  t.is(gateway.requests.length, 1)
})
