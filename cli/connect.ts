import { readFile } from 'node:fs/promises'
import { createConnection, type Socket } from 'node:net'
import { authorizationHeaderFor } from '../config/auth-secret.js'
import { httpUrlOf, parseTcpMultiaddr } from '../config/tcp-address.js'
import { RepoLockedError, UsageError } from '../node/errors.js'
import { lockHolderAlive } from '../node/repo/lock.js'
import { repoPaths } from '../node/repo/paths.js'
import { openRpcTransport, type RpcEndpoint } from './rpc-transport.js'
import type { Transport } from './transport.js'

/** The environment variable holding the RPC API secret, in Kubo's `type:value` format. */
export const apiAuthEnv = 'CAIRN_API_AUTH'

/**
 * The transport for a CLI call: the repo opened in this process when its lock is free,
 * else, when the process holding the lock is a daemon (its `<repo>/api` file exists),
 * that daemon's RPC API; else the ERR_REPO_LOCKED naming the holder. An `api` file is
 * trusted only while the pid in the lock file is alive ({@link lockHolderAlive}) and its
 * port accepts connections; opening the repo removes a stale one. `apiAuth` (the `--api-auth` flag) overrides
 * `CAIRN_API_AUTH`.
 */
export async function connect (root: string, apiAuth?: string): Promise<Transport> {
  const env = apiAuth != null ? { ...process.env, [apiAuthEnv]: apiAuth } : process.env
  // a daemon holding the lock is asked first: that spares loading the whole node (Helia,
  // the repo's stores), which the local transport needs
  if (await lockHolderAlive(repoPaths(root).lock)) {
    const endpoint = await daemonEndpoint(root, env)
    const socket = endpoint != null ? await listening(endpoint.url) : undefined
    if (endpoint != null && socket != null) return openRpcTransport(endpoint, socket)
  }
  const { openLocalTransport } = await import('./local-transport.js')
  try {
    return await openLocalTransport(root)
  } catch (err) {
    // the lock was taken between the probe and the open
    if (!(err instanceof RepoLockedError)) throw err
    const endpoint = await daemonEndpoint(root, env)
    if (endpoint == null) throw err
    return openRpcTransport(endpoint)
  }
}

/**
 * A connection to `url` when something accepts one there, else undefined: a stale `api`
 * file (its daemon crashed, and its pid now names another process) names a port nobody
 * listens on. The connection carries the first request.
 */
async function listening (url: string): Promise<Socket | undefined> {
  const { hostname, port } = new URL(url)
  return await new Promise(resolve => {
    // as the agent's own connections are made (it sets both for each socket it opens)
    const socket = createConnection({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), noDelay: true, keepAlive: true })
    socket.once('connect', () => { resolve(socket) })
    socket.once('error', () => { resolve(undefined) })
  })
}

/**
 * The RPC endpoint named by `<repo>/api` (with the credentials of `CAIRN_API_AUTH`), or
 * undefined when there is no such file. Meaningful only while the repo lock is held by
 * another process (see {@link connect}).
 */
export async function daemonEndpoint (root: string, env: NodeJS.ProcessEnv = process.env): Promise<RpcEndpoint | undefined> {
  let api: string
  try {
    api = (await readFile(repoPaths(root).api, 'utf8')).trim()
  } catch {
    return undefined
  }
  const address = parseTcpMultiaddr(api)
  // a daemon listening on every interface is reached on loopback
  if (address.host === '0.0.0.0') address.host = '127.0.0.1'
  if (address.host === '::') address.host = '::1'
  const endpoint: RpcEndpoint = { url: httpUrlOf(address) }
  const secret = env[apiAuthEnv]
  if (secret != null && secret !== '') {
    const header = authorizationHeaderFor(secret)
    if (header == null) throw new UsageError(`${apiAuthEnv} must look like bearer:TOKEN or basic:USER:PASSWORD`)
    endpoint.authorization = header
  }
  return endpoint
}
