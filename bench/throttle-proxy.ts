import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

// idle time a link may bank and spend as a burst: timers fire late, this absorbs it
const burstMs = 50

/** One direction of a link: every connection over it shares its rate. */
class Direction {
  #paidUntil = performance.now()
  bytes = 0

  constructor (readonly bytesPerSec: number) {}

  /** Counts `bytes` sent now; the milliseconds to wait until they are paid for. */
  owe (bytes: number): number {
    this.bytes += bytes
    const now = performance.now()
    this.#paidUntil = Math.max(this.#paidUntil, now - burstMs) + bytes / this.bytesPerSec * 1000
    return this.#paidUntil - now
  }
}

/**
 * Relays `from` to `to` over `direction`: after each chunk the link owes `chunk / rate`
 * seconds, and reading pauses until it is paid (and `to` has drained).
 */
function pace (from: Socket, to: Socket, direction: Direction): void {
  from.on('data', (chunk: Buffer) => {
    const wait = direction.owe(chunk.length)
    const flushed = to.write(chunk)
    if (flushed && wait <= 0) return
    from.pause()
    const drained = flushed ? undefined : new Promise(resolve => to.once('drain', resolve))
    void Promise.all([drained, new Promise(resolve => setTimeout(resolve, wait))]).then(() => from.resume())
  })
  from.on('end', () => to.end())
  from.on('error', () => to.destroy())
  to.on('error', () => from.destroy())
}

/** Where a proxy listens: a loopback host, and a port (0 for any free one). */
export interface ProxyListen {
  host: '127.0.0.1' | '::1'
  port: number
}

/**
 * A link of `bytesPerSec` each way, without root: TCP proxies on loopback in front of
 * ports on 127.0.0.1, every connection through every proxy of the link sharing its rate
 * (as one machine's uplink carries all of its connections).
 */
export class PacedLink {
  readonly #up: Direction
  readonly #down: Direction
  readonly #sockets = new Set<Socket>()
  readonly #servers: Array<ReturnType<typeof createServer>> = []
  readonly #connections = new Map<number, number>()

  constructor (bytesPerSec: number) {
    this.#up = new Direction(bytesPerSec)
    this.#down = new Direction(bytesPerSec)
  }

  /** Bytes relayed from the targets to their clients so far. */
  get bytesOut (): number {
    return this.#down.bytes
  }

  /** Connections made through the link to `targetPort` so far. */
  connectionsTo (targetPort: number): number {
    return this.#connections.get(targetPort) ?? 0
  }

  /** A proxy on `listen` in front of `targetPort` on 127.0.0.1; resolves to its port. */
  async proxy (targetPort: number, listen: ProxyListen = { host: '127.0.0.1', port: 0 }): Promise<number> {
    const server = createServer(client => {
      this.#connections.set(targetPort, this.connectionsTo(targetPort) + 1)
      const upstream = connect(targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        // as libp2p's own sockets: Nagle would hold back the small frames (window updates, wants)
        s.setNoDelay(true)
        this.#sockets.add(s)
        s.on('close', () => { this.#sockets.delete(s) })
      }
      pace(client, upstream, this.#up)
      pace(upstream, client, this.#down)
    })
    this.#servers.push(server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(listen.port, listen.host, resolve)
    })
    return (server.address() as AddressInfo).port
  }

  async stop (): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await Promise.all(this.#servers.map(async server => await new Promise(resolve => server.close(resolve))))
  }
}
