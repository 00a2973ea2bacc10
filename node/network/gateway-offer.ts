import { raceSignal } from 'race-signal'
import { parseTcpMultiaddr, httpUrlOf, type TcpAddress } from '../../config/tcp-address.js'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'

/** The libp2p protocol on which a Cairn daemon tells a peer its gateway's port. */
export const gatewayOfferProtocol = '/cairn/gateway/1.0.0'

/** The longest answer read (a port number). */
const maxAnswer = 16

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.')

/**
 * The IP address a connection runs to (`/ip4/H/tcp/…`): undefined for a name, and for a
 * relayed connection, whose address starts with the relay's.
 */
export function directHost (remoteAddr: string): string | undefined {
  if (remoteAddr.includes('/p2p-circuit')) return undefined
  const [proto, host] = remoteAddr.split('/').slice(1, 3)
  return proto === 'ip4' || proto === 'ip6' ? host : undefined
}

const remoteHost = (connection: Connection): string | undefined => directHost(connection.remoteAddr.toString())

/** Whether a gateway bound to `gatewayHost` is offered to a peer connected from `peerHost`: one bound to loopback only to a peer on loopback. */
export function offersGatewayTo (gatewayHost: string, peerHost: string | undefined): boolean {
  return !isLoopback(gatewayHost) || (peerHost != null && isLoopback(peerHost))
}

/**
 * Answers {@link gatewayOfferProtocol}: the port of this daemon's gateway (bound at
 * `gatewayMultiaddr`), so that a peer can fetch DAGs from it as CAR streams. A gateway
 * bound to loopback is offered only to peers connected over loopback: no other peer
 * could reach it. The answer is an empty stream when there is nothing to offer.
 */
export async function offerGateway (libp2p: Libp2p, gatewayMultiaddr: string): Promise<void> {
  const gateway = parseTcpMultiaddr(gatewayMultiaddr)
  await libp2p.handle(gatewayOfferProtocol, async (stream: Stream, connection: Connection) => {
    if (offersGatewayTo(gateway.host, remoteHost(connection))) stream.send(new TextEncoder().encode(String(gateway.port)))
    await stream.close().catch(err => { stream.abort(err) })
  })
}

/** How long a peer may take to say what it offers, from the stream's opening to its end. */
const askMs = 5000

/**
 * The little a peer writes on the stream before it ends, or before `timeout` aborts.
 * (The stream's async iterator never ends when the peer closed its side before the
 * iterator started, so the stream's events are listened to instead.)
 */
async function readAnswer (stream: Stream, timeout: AbortSignal): Promise<string> {
  let answer = ''
  const decoder = new TextDecoder()
  const done = new Promise<void>(resolve => {
    const finish = (): void => { resolve() }
    stream.addEventListener('end', finish, { once: true })
    stream.addEventListener('close', finish, { once: true })
    timeout.addEventListener('abort', finish, { once: true })
    stream.addEventListener('message', evt => {
      answer += decoder.decode(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
      if (answer.length > maxAnswer) finish()
    })
  })
  // nothing is sent this way; once both sides have closed, the stream ends
  await stream.close({ signal: timeout })
  await done
  if (timeout.aborted) stream.abort(new Error('no answer in time'))
  return answer
}

/**
 * The gateways connected peers offer ({@link offerGateway}), asked once per peer while
 * it stays connected. A gateway is addressed at the host the connection to the peer
 * runs to, never at a host the peer names.
 */
export class PeerGateways {
  readonly #libp2p: Libp2p
  readonly #asked = new Map<string, Promise<string | undefined>>()
  /** Connected peers whose identify lists {@link gatewayOfferProtocol}. */
  readonly #offering = new Map<string, PeerId>()

  constructor (libp2p: Libp2p) {
    this.#libp2p = libp2p
    libp2p.addEventListener('peer:identify', evt => {
      const { peerId, protocols } = evt.detail
      if (protocols.includes(gatewayOfferProtocol)) this.#offering.set(peerId.toString(), peerId)
      else this.#offering.delete(peerId.toString())
    })
    libp2p.addEventListener('peer:disconnect', evt => {
      this.#asked.delete(evt.detail.toString())
      this.#offering.delete(evt.detail.toString())
    })
  }

  /** Connected peers that say (in identify) they offer a gateway. */
  offering (): PeerId[] {
    return [...this.#offering.values()]
  }

  /**
   * The base URL (`http://127.0.0.1:8080`) of the gateway `peer` offers, or undefined
   * (also once `signal` aborts: the answer, asked once for every caller, is still kept).
   */
  async gatewayOf (peer: PeerId, signal?: AbortSignal): Promise<string | undefined> {
    const key = peer.toString()
    let asked = this.#asked.get(key)
    if (asked == null) {
      asked = this.#ask(peer).catch(() => undefined)
      this.#asked.set(key, asked)
    }
    // the ask itself never rejects: a rejection here is the caller's signal
    return await raceSignal(asked, signal).catch(() => undefined)
  }

  async #ask (peer: PeerId): Promise<string | undefined> {
    const connection = this.#libp2p.getConnections(peer).find(c => c.status === 'open')
    const host = connection != null ? remoteHost(connection) : undefined
    if (connection == null || host == null) return undefined
    const timeout = AbortSignal.timeout(askMs)
    const stream = await connection.newStream(gatewayOfferProtocol, { signal: timeout })
    const answer = await readAnswer(stream, timeout)
    const port = /^\d{1,5}$/.test(answer) ? Number(answer) : 0
    if (port < 1 || port > 65535) return undefined
    const address: TcpAddress = { host, port, family: host.includes(':') ? 'ip6' : 'ip4' }
    return httpUrlOf(address)
  }
}
