import '../../node/polyfill.js'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { startGateway } from '../../gateway/server.js'
import { tempNode } from './fixtures.js'
import type { CairnNode } from '../../node/node.js'

/** A gateway on a random loopback port over a fresh offline node. */
export interface TestGateway {
  node: CairnNode
  repo: string
  url: string
  /** `host:port` of the gateway. */
  hostPort: string
  /** `GET url + path` with optional headers (no redirects followed). */
  get(path: string, headers?: Record<string, string>): Promise<globalThis.Response>
  head(path: string, headers?: Record<string, string>): Promise<globalThis.Response>
  cleanup: () => Promise<void>
}

/** Starts a real gateway (real Express, real port) on a new node with a temp repo. */
export async function startTestGateway (): Promise<TestGateway> {
  const { node, repo, cleanup } = await tempNode()
  const gateway = await startGateway(node, '/ip4/127.0.0.1/tcp/0')
  const request = async (method: string, path: string, headers: Record<string, string> = {}): Promise<globalThis.Response> =>
    await fetch(gateway.url + path, { method, headers, redirect: 'manual' })
  return {
    node,
    repo,
    url: gateway.url,
    hostPort: new URL(gateway.url).host,
    get: async (path, headers) => await request('GET', path, headers),
    head: async (path, headers) => await request('HEAD', path, headers),
    cleanup: async () => {
      await gateway.close()
      await cleanup()
    }
  }
}

/** A raw HTTP answer. */
export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
}

/** Options for {@link httpGet}. */
export interface HttpGetOptions {
  method?: string
  headers?: Record<string, string>
}

/**
 * One HTTP request with node:http, so that the path goes out exactly as written (no
 * `..` normalisation, raw percent-escapes) and the Host header can be set.
 */
export async function httpGet (base: string, path: string, options: HttpGetOptions = {}): Promise<HttpAnswer> {
  const url = new URL(base)
  return await new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: options.method ?? 'GET',
      path,
      headers: options.headers,
      agent: false
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() })
      })
    })
    req.on('error', reject)
    req.end()
  })
}
