import { createServer } from 'node:http'
import { decode, encode } from '@dnsquery/dns-packet'
import type { AddressInfo } from 'node:net'

/** A DNS-over-HTTPS server (RFC 8484 GET, wire format) on 127.0.0.1 that answers TXT records from a table. */
export interface DohServer {
  /** The URL to put in `DNS.Resolvers`. */
  url: string
  /** Names asked for, in order. */
  queries: string[]
  close(): Promise<void>
}

/** Starts a DoH server answering `txt[name]` (one TXT string each) with TTL `ttl`; other names get no answer. */
export async function startDohServer (txt: Record<string, string>, ttl = 120): Promise<DohServer> {
  const queries: string[] = []
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('dns')
    if (query == null) {
      res.writeHead(400).end()
      return
    }
    const packet = decode(Buffer.from(query, 'base64url'))
    const questions = packet.questions ?? []
    const answers = questions.flatMap(q => {
      queries.push(q.name)
      const value = txt[q.name]
      return q.type === 'TXT' && value != null ? [{ type: 'TXT' as const, name: q.name, ttl, data: [value] }] : []
    })
    const body = encode({ type: 'response', id: packet.id ?? 0, flags: 0, questions, answers })
    res.writeHead(200, { 'Content-Type': 'application/dns-message' }).end(Buffer.from(body))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    queries,
    close: async () => { await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}
