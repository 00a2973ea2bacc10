import { Socket } from 'node:net'
import { Socket as UdpSocket } from 'node:dgram'

const loopback = (host: unknown): boolean =>
  host == null || host === 'localhost' || host === '::1' || (typeof host === 'string' && host.startsWith('127.'))

/**
 * Makes any TCP connect, UDP send or fetch to an address off this machine throw, in
 * this process: the bench's proof that stock Helia, with its public defaults trimmed,
 * dials nothing but loopback. `dialsRefused()` counts what was stopped.
 */
export function forbidDialOut (): void {
  const connect = Socket.prototype.connect as (...args: unknown[]) => Socket
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    const first = args[0]
    const options = (Array.isArray(first) ? first[0] : first) as { host?: unknown, path?: unknown } | number | string
    const host = typeof options === 'object' && options != null ? (options.path != null ? 'localhost' : options.host) : typeof args[1] === 'string' ? args[1] : undefined
    if (!loopback(host)) refuse(`TCP connect to ${String(host)}`)
    return connect.apply(this, args)
  } as typeof Socket.prototype.connect
  const send = UdpSocket.prototype.send as (...args: unknown[]) => void
  UdpSocket.prototype.send = function (this: UdpSocket, ...args: unknown[]) {
    const host = args.find((a, i) => i > 0 && typeof a === 'string')
    if (!loopback(host)) refuse(`UDP send to ${String(host)}`)
    send.apply(this, args)
  } as typeof UdpSocket.prototype.send
  const realFetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    if (!loopback(url.hostname.replace(/^\[|\]$/g, ''))) refuse(`fetch ${url.origin}`)
    return await realFetch(input, init)
  }
}

let refused = 0

function refuse (what: string): never {
  refused++
  throw new Error(`bench network rule: ${what} refused (loopback only)`)
}

/** How many off-machine dials {@link forbidDialOut} refused. */
export function dialsRefused (): number {
  return refused
}
