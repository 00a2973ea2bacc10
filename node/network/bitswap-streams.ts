import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'

/** The bitswap protocol Helia's network sends its messages on. */
const bitswapProtocol = '/ipfs/bitswap/1.2.0'

/**
 * An outbound stream unused this long (ms) is closed. Helia aborts an incoming bitswap
 * stream that brings no message for 10 s; closing first means no message is ever
 * written into a stream the other side is about to abort.
 */
export const idleCloseMs = 4_000

/** The part of Helia's bitswap network whose libp2p the streams are opened through. */
export interface StreamsEngine {
  network: { libp2p: Libp2p }
}

/** One peer's open stream and how many messages are being written to it. */
interface PeerStream {
  stream: Stream
  writing: number
  timer?: NodeJS.Timeout
}

/** The stream calls Helia's `sendMessage` makes: each message is written whole, then the stream is closed. */
type MessageStream = Pick<Stream, 'closeRead' | 'send' | 'onDrain' | 'close' | 'abort'>

/**
 * Sends every bitswap message to a peer on one long-lived stream, as Kubo does. Helia
 * opened a stream per message: a multistream-select round trip before the first byte
 * (a third of a small block's time from a connected peer), stream set-up and teardown
 * frames each way, and a new stream's 256 KiB yamux window, so a 1 MiB message waited
 * for window updates that a stream in use has long grown past. A receiving bitswap
 * (Helia's, Kubo's) reads messages from a stream until it ends. Helia's `sendMessage`
 * is left as it is: it gets a view of the peer's stream whose `close` only lets go of it.
 * False, with nothing changed, when Helia's network has no libp2p to wrap.
 */
export function reuseBitswapStreams (engine: StreamsEngine): boolean {
  const network = engine.network
  const libp2p = network?.libp2p
  if (typeof libp2p?.dialProtocol !== 'function') return false
  const open = new Map<string, PeerStream>()
  const opening = new Map<string, Promise<PeerStream>>()

  const forget = (key: string, entry: PeerStream): void => {
    clearTimeout(entry.timer)
    if (open.get(key) === entry) open.delete(key)
  }
  const usable = (entry: PeerStream | undefined): entry is PeerStream => entry?.stream.status === 'open' && entry.stream.writeStatus === 'writable'

  const streamTo = async (peer: PeerId, options: AbortOptions): Promise<PeerStream> => {
    const key = peer.toString()
    const current = open.get(key)
    if (usable(current)) return current
    if (current != null) forget(key, current)
    let pending = opening.get(key)
    if (pending == null) {
      pending = (async () => {
        const stream = await libp2p.dialProtocol(peer, bitswapProtocol, options)
        // nothing is read from this side (as in Helia)
        await stream.closeRead(options)
        const entry: PeerStream = { stream, writing: 0 }
        stream.addEventListener('close', () => { forget(key, entry) }, { once: true })
        open.set(key, entry)
        return entry
      })()
      opening.set(key, pending)
      pending.finally(() => { opening.delete(key) }).catch(() => {})
    }
    return await pending
  }

  const lease = (key: string, entry: PeerStream): MessageStream => {
    entry.writing++
    clearTimeout(entry.timer)
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      if (--entry.writing > 0) return
      entry.timer = setTimeout(() => {
        if (entry.writing > 0) return
        forget(key, entry)
        entry.stream.close().catch(err => { entry.stream.abort(err) })
      }, idleCloseMs)
      entry.timer.unref()
    }
    return {
      closeRead: async () => {},
      send: data => entry.stream.send(data),
      onDrain: async options => { await entry.stream.onDrain(options) },
      close: async () => { release() },
      abort: err => {
        forget(key, entry)
        entry.stream.abort(err)
        release()
      }
    }
  }

  network.libp2p = new Proxy(libp2p, {
    get (target, prop, receiver) {
      if (prop === 'dialProtocol') {
        return async (peer: PeerId, protocols: string | string[], options: AbortOptions = {}) => {
          if (protocols !== bitswapProtocol) return await target.dialProtocol(peer, protocols, options)
          const entry = await streamTo(peer, options)
          return lease(peer.toString(), entry)
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return true
}
