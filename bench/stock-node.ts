// A stock Helia node in its own process, driven by the bench over IPC: plain createHelia
// on blockstore-fs with @helia/unixfs defaults and no Cairn code, its public defaults
// trimmed to loopback (TCP on 127.0.0.1, no bootstrap, mDNS, DHT, delegated routers or
// gateways). Every dial off this machine throws (forbidDialOut).
import '../node/polyfill.js'
import { createServer } from 'node:http'
import { createReadStream } from 'node:fs'
import { libp2pDefaults } from '@helia/libp2p'
import { globSource, unixfs, type UnixFS } from '@helia/unixfs'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { FsBlockstore } from 'blockstore-fs'
import { LevelDatastore } from 'datastore-level'
import { createHelia } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import { patternStream } from './data.js'
import { dialsRefused, forbidDialOut } from './no-dial-out.js'
import type { AddressInfo } from 'node:net'
import type { Stream } from '@libp2p/interface'

forbidDialOut()

/** One request from the bench; the answer is `{ id, result }` or `{ id, error }`. */
export type StockRequest =
  | { op: 'add', size: number, seed: number, cidVersion?: 0 | 1 }
  | { op: 'add-file', path: string, cidVersion?: 0 | 1 }
  | { op: 'add-file-only-hash', path: string }
  | { op: 'add-dir', files: Array<{ path: string, seed: number, size: number }> }
  | { op: 'add-tree', cwd: string, folder: string }
  | { op: 'cat', cid: string }
  | { op: 'serve' }
  | { op: 'addrs' }
  | { op: 'dial', addr: string }
  | { op: 'push-stream' }
  | { op: 'pull-stream', addr: string, bytes: number }
  | { op: 'refused' }
  | { op: 'stop' }

const dir = process.argv[2] ?? ''
const protocol = '/cairn-bench/push/1.0.0'

async function start (): Promise<ReturnType<typeof createHelia>> {
  const defaults = libp2pDefaults()
  const { identify, identifyPush, keychain, ping } = defaults.services
  const helia = createHelia({
    blockstore: new FsBlockstore(`${dir}/blocks`),
    datastore: new LevelDatastore(`${dir}/datastore`),
    libp2p: {
      ...defaults,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      peerDiscovery: [],
      services: { identify, identifyPush, keychain, ping }
    } as unknown as typeof defaults,
    http: { delegatedRouters: [], recursiveGateways: [] }
  })
  await helia.start()
  return helia
}

const helia = await start()
const fs: UnixFS = unixfs(helia)
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9

async function handle (req: StockRequest): Promise<unknown> {
  switch (req.op) {
    case 'add': {
      const t = process.hrtime.bigint()
      const cid = await fs.addByteStream(patternStream(req.size, req.seed), req.cidVersion === 0 ? { cidVersion: 0, rawLeaves: false } : {})
      return { cid: cid.toString(), seconds: seconds(t) }
    }
    case 'add-file': {
      const t = process.hrtime.bigint()
      const cid = await fs.addByteStream(createReadStream(req.path), req.cidVersion === 0 ? { cidVersion: 0, rawLeaves: false } : {})
      return { cid: cid.toString(), seconds: seconds(t) }
    }
    case 'add-file-only-hash': {
      const t = process.hrtime.bigint()
      // the importer with a blockstore that keeps nothing: what "only hash" means to stock Helia
      const sink = { put: async (cid: CID) => cid }
      for await (const _ of importer([{ content: createReadStream(req.path) }], sink)) { /* the root */ }
      return { seconds: seconds(t) }
    }
    case 'add-dir': {
      const entries = req.files.map(f => ({ path: f.path, content: patternStream(f.size, f.seed) }))
      const out: Array<{ path: string, cid: string }> = []
      for await (const entry of fs.addAll(entries)) out.push({ path: entry.path ?? '', cid: entry.cid.toString() })
      return out
    }
    case 'add-tree': {
      // what `cairn add -r <folder>` does, the stock way: addAll from a glob, then pin the root
      const t = process.hrtime.bigint()
      let root: CID | undefined
      let files = 0
      // the cast: globSource's `mtime: undefined` fails addAll's type under exactOptionalPropertyTypes only
      for await (const entry of fs.addAll(globSource(req.cwd, `${req.folder}/**/*`) as Parameters<UnixFS['addAll']>[0])) {
        if (entry.path === req.folder) root = entry.cid
        else files++
      }
      if (root == null) throw new Error(`addAll gave no root for ${req.folder}`)
      for await (const _ of helia.pins.add(root)) { /* each pinned block */ }
      return { cid: root.toString(), entries: files, seconds: seconds(t) }
    }
    case 'cat': {
      const t = process.hrtime.bigint()
      let ttfb: number | undefined
      let bytes = 0
      for await (const chunk of fs.cat(CID.parse(req.cid))) {
        ttfb ??= seconds(t)
        bytes += chunk.length
      }
      return { seconds: seconds(t), ttfb, bytes }
    }
    case 'serve': {
      // the smallest gateway over stock Helia: /ipfs/<cid>[/path] → fs.cat
      const server = createServer((request, response) => {
        const [cid, ...path] = (request.url ?? '').replace(/^\/ipfs\//, '').split('/')
        void (async () => {
          try {
            const stream = fs.cat(CID.parse(cid ?? ''), path.length > 0 ? { path: path.join('/') } : {})
            response.writeHead(200, { 'Content-Type': 'application/octet-stream' })
            for await (const chunk of stream) {
              if (!response.write(chunk)) await new Promise(resolve => response.once('drain', resolve))
            }
            response.end()
          } catch {
            response.destroy()
          }
        })()
      })
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
      return { port: (server.address() as AddressInfo).port }
    }
    case 'addrs':
      return helia.libp2p.getMultiaddrs().map(String)
    case 'dial':
      await helia.libp2p.dial(multiaddr(req.addr))
      return true
    case 'push-stream':
      await helia.libp2p.handle(protocol, async (stream: Stream) => {
        // the first message says how many bytes to send
        let want = 0
        // eslint-disable-next-line no-unreachable-loop -- only the first message is read
        for await (const chunk of stream) { want = Number(new TextDecoder().decode(chunk.subarray())); break }
        const piece = new Uint8Array(256 * 1024)
        for (let left = want; left > 0; left -= piece.length) {
          if (!stream.send(left >= piece.length ? piece : piece.subarray(0, left))) await stream.onDrain()
        }
        await stream.close()
      })
      return true
    case 'pull-stream': {
      const stream = await helia.libp2p.dialProtocol(multiaddr(req.addr), protocol)
      const t = process.hrtime.bigint()
      stream.send(new TextEncoder().encode(String(req.bytes)))
      let got = 0
      for await (const chunk of stream) got += chunk.byteLength
      if (got !== req.bytes) throw new Error(`libp2p stream gave ${got} bytes, not ${req.bytes}`)
      return { seconds: seconds(t) }
    }
    case 'refused':
      return dialsRefused()
    case 'stop':
      await helia.stop()
      setImmediate(() => process.exit(0))
      return true
  }
}

process.on('message', (message: { id: number, req: StockRequest }) => {
  handle(message.req).then(
    result => process.send?.({ id: message.id, result }),
    (err: Error) => process.send?.({ id: message.id, error: err.stack ?? err.message })
  )
})
process.send?.({ ready: true })
