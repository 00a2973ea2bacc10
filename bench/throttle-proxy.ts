import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/** A paced TCP proxy on loopback, see {@link startThrottleProxy}. */
export interface ThrottleProxy {
  port: number
  /** Bytes relayed from the target to its clients so far. */
  readonly bytesOut: number
  stop(): Promise<void>
}

// idle time a link may bank and spend as a burst: timers fire late, this absorbs it
const burstMs = 50

/**
 * Relays `from` to `to` at most `bytesPerSec` on average: after each chunk the link owes
 * `chunk / rate` seconds, and reading pauses until it is paid (and `to` has drained).
 */
function pace (from: Socket, to: Socket, bytesPerSec: number, counted: (bytes: number) => void): void {
  let paidUntil = performance.now()
  from.on('data', (chunk: Buffer) => {
    counted(chunk.length)
    const now = performance.now()
    paidUntil = Math.max(paidUntil, now - burstMs) + chunk.length / bytesPerSec * 1000
    const flushed = to.write(chunk)
    const wait = paidUntil - now
    if (flushed && wait <= 0) return
    from.pause()
    const drained = flushed ? undefined : new Promise(resolve => to.once('drain', resolve))
    void Promise.all([drained, new Promise(resolve => setTimeout(resolve, wait))]).then(() => from.resume())
  })
  from.on('end', () => to.end())
  from.on('error', () => to.destroy())
  to.on('error', () => from.destroy())
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` (also on loopback) that paces each
 * connection, each way, to `bytesPerSec`: a link of that bandwidth, without root.
 */
export async function startThrottleProxy (targetPort: number, bytesPerSec: number): Promise<ThrottleProxy> {
  let bytesOut = 0
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      // as libp2p's own sockets: Nagle would hold back the small frames (window updates, wants)
      s.setNoDelay(true)
      sockets.add(s)
      s.on('close', () => { sockets.delete(s) })
    }
    pace(client, upstream, bytesPerSec, () => {})
    pace(upstream, client, bytesPerSec, bytes => { bytesOut += bytes })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get bytesOut () { return bytesOut },
    async stop () {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
