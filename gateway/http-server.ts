import { createServer, type RequestListener, type Server } from 'node:http'
import type { Socket } from 'node:net'

/** The limits every Cairn HTTP listener enforces against slow or idle clients. */
export interface ListenerLimits {
  /** A client must send a request's complete headers within this many ms, else 408 and close. */
  headersTimeoutMs: number
  /** A keep-alive connection with no request in flight is closed after this many ms. */
  idleTimeoutMs: number
  /** Open connections beyond this many are answered 503 and closed at once. */
  maxConnections?: number
  /** Largest request head in bytes (Node's default is 16 KiB). */
  maxHeaderSize?: number
}

/** A listener with its open sockets, so that `close()` can drop them. */
export interface LimitedServer {
  server: Server
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>
}

const busy = '503 too many connections, retry later\n'
const busyResponse = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n' +
  `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(busy)}\r\n\r\n${busy}`

/**
 * Creates an HTTP server for `app` with slowloris defences: headers must arrive within
 * `headersTimeoutMs`, idle keep-alive sockets close after `idleTimeoutMs`, and with
 * `maxConnections` a connection beyond the cap is answered 503 and closed before it
 * costs more than a file descriptor for a moment. Request bodies and responses have no
 * time limit (uploads and downloads take as long as they take; `--timeout` bounds calls).
 */
export function createLimitedServer (app: RequestListener, limits: ListenerLimits): LimitedServer {
  const refused = new WeakSet<Socket>()
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // how often Node looks for sockets past headersTimeout (its default is 30 s)
    connectionsCheckingInterval: Math.max(50, Math.min(limits.headersTimeoutMs / 4, 30_000)),
    ...(limits.maxHeaderSize != null ? { maxHeaderSize: limits.maxHeaderSize } : {})
  }, (req, res) => {
    // a request that an over-the-cap socket managed to send before it was closed
    if (refused.has(req.socket)) res.destroy()
    else app(req, res)
  })
  const sockets = new Set<Socket>()
  // before Node's own listener: a socket over the cap never reaches the app
  server.prependListener('connection', (socket: Socket) => {
    if (limits.maxConnections != null && sockets.size >= limits.maxConnections) {
      refused.add(socket)
      socket.on('error', () => {})
      socket.end(busyResponse, () => socket.destroy())
      return
    }
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  return {
    server,
    async close () {
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      await closed
    }
  }
}
