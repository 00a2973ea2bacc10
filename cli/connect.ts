import { readFile } from 'node:fs/promises'
import { authorizationHeaderFor } from '../config/auth-secret.js'
import { httpUrlOf, parseTcpMultiaddr } from '../config/tcp-address.js'
import { UsageError } from '../node/errors.js'
import { isAlive, readLockPid } from '../node/repo/lock.js'
import { repoPaths } from '../node/repo/paths.js'
import { openRpcTransport, type RpcEndpoint } from './rpc-transport.js'
import type { Transport } from './transport.js'

/** The environment variable holding the RPC API secret, in Kubo's `type:value` format. */
export const apiAuthEnv = 'CAIRN_API_AUTH'

/**
 * The transport for a CLI call: the daemon's RPC API when a daemon holds the repo (its
 * `<repo>/api` file exists and the pid in `repo.lock` is alive), else the repo opened
 * in this process. `apiAuth` (the `--api-auth` flag) overrides `CAIRN_API_AUTH`.
 */
export async function connect (root: string, apiAuth?: string): Promise<Transport> {
  const env = apiAuth != null ? { ...process.env, [apiAuthEnv]: apiAuth } : process.env
  const endpoint = await runningDaemon(root, env)
  if (endpoint != null) return openRpcTransport(endpoint)
  // loaded only here: the local transport brings the whole node (Helia, the repo's stores)
  const { openLocalTransport } = await import('./local-transport.js')
  return await openLocalTransport(root)
}

/** The RPC endpoint of the daemon holding the repo at `root`, if one is running. */
export async function runningDaemon (root: string, env: NodeJS.ProcessEnv = process.env): Promise<RpcEndpoint | undefined> {
  const paths = repoPaths(root)
  let api: string
  try {
    api = (await readFile(paths.api, 'utf8')).trim()
  } catch {
    return undefined
  }
  const pid = await readLockPid(paths.lock)
  if (pid == null || pid === process.pid || !isAlive(pid)) return undefined
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
