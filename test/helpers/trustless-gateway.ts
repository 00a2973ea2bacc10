import { startGateway } from '../../gateway/server.js'
import { importFixture, tempNode } from './fixtures.js'
import type { CairnNode } from '../../node/node.js'
import type { CID } from 'multiformats/cid'

/** A real gateway on a random loopback port over a real offline node on a temp `local` repo. */
export interface TestGateway {
  node: CairnNode
  url: string
  /** `GET url + path` with optional headers (no redirects followed). */
  get(path: string, headers?: Record<string, string>): Promise<globalThis.Response>
  head(path: string, headers?: Record<string, string>): Promise<globalThis.Response>
  cleanup(): Promise<void>
}

/** Starts a node and its gateway (startGateway on 127.0.0.1:0). */
export async function startTestGateway (): Promise<TestGateway> {
  const { node, cleanup } = await tempNode()
  const gateway = await startGateway(node, '/ip4/127.0.0.1/tcp/0')
  const request = async (method: string, path: string, headers: Record<string, string> = {}): Promise<globalThis.Response> =>
    await fetch(gateway.url + path, { method, headers, redirect: 'manual' })
  return {
    node,
    url: gateway.url,
    get: async (path, headers) => await request('GET', path, headers),
    head: async (path, headers) => await request('HEAD', path, headers),
    async cleanup () {
      await gateway.close()
      await cleanup()
    }
  }
}

/** Imports fixtures (paths under the conformance fixtures folder) and returns their roots by name. */
export async function importFixtures (node: CairnNode, names: string[]): Promise<Record<string, CID>> {
  const roots: Record<string, CID> = {}
  for (const name of names) roots[name] = await importFixture(node, name)
  return roots
}
