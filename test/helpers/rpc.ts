import '../../node/polyfill.js'
import { join } from 'node:path'
import { validateConfig, type Config } from '../../config/config.js'
import { createNode, type CairnNode } from '../../node/node.js'
import { initRepo, openRepo, writeConfigFile } from '../../node/repo/repo.js'
import { repoPaths } from '../../node/repo/paths.js'
import { startRpcServer, type RpcServer } from '../../gateway/rpc/server.js'
import { tempDir } from './cli.js'
import type { Command } from '../../node/commands/command.js'

/** An offline node on a temp `local` repo with the RPC API on a random loopback port. */
export interface RpcTestNode {
  node: CairnNode
  server: RpcServer
  repo: string
  /** `http://127.0.0.1:PORT/api/v0`. */
  api: string
  /** POSTs to `/api/v0/<path>` with `arg`s and options in the query. */
  post(path: string, query?: Array<[string, string]>, init?: RequestInit): Promise<Response>
  stop(): Promise<void>
}

/**
 * Starts an in-process node (no network) and its RPC server; `configure` edits the config
 * first; `table` replaces the command table the server routes to.
 */
export async function startRpcNode (configure?: (config: Config) => void, table?: readonly Command[]): Promise<RpcTestNode> {
  const dir = await tempDir('cairn-rpc-')
  const repo = join(dir.path, 'repo')
  const config = await initRepo(repo, 'local')
  if (configure != null) {
    const copy = structuredClone(config)
    configure(copy)
    await writeConfigFile(repoPaths(repo).config, validateConfig(copy))
  }
  const node = await createNode(await openRepo(repo))
  const server = await startRpcServer(node, '/ip4/127.0.0.1/tcp/0', table)
  const api = `${server.url}/api/v0`
  let stopped = false
  return {
    node,
    server,
    repo,
    api,
    async post (path, query = [], init = {}) {
      const url = new URL(`${api}/${path}`)
      for (const [k, v] of query) url.searchParams.append(k, v)
      return await fetch(url, { method: 'POST', ...init })
    },
    async stop () {
      if (stopped) return
      stopped = true
      await server.close()
      await node.stop()
      await dir.cleanup()
    }
  }
}

/** A multipart body with a file part per entry (a directory part without `content`), as Kubo's clients send it. */
export function multipart (parts: Array<{ name: string, content?: string | Buffer }>): { body: Buffer, type: string } {
  const boundary = 'test-boundary-1234'
  const chunks: Buffer[] = []
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(part.name)}"\r\n` +
      `Content-Type: ${part.content == null ? 'application/x-directory' : 'application/octet-stream'}\r\n\r\n`))
    if (part.content != null) chunks.push(Buffer.from(part.content))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}
