import { RemotePinningError, UsageError } from '../errors.js'
import type { Config } from '../../config/config.js'
import type { RemotePinningServiceClient } from '@ipfs-shipyard/pinning-service-client'

/** A client for one `Pinning.RemoteServices` entry, with errors turned into ERR_REMOTE_PINNING. */
export interface RemoteService {
  name: string
  client: RemotePinningServiceClient
  /** Runs a client call; a non-2xx answer or an unreachable service becomes ERR_REMOTE_PINNING naming the service. */
  call<T>(fn: (client: RemotePinningServiceClient) => Promise<T>): Promise<T>
}

/** The spec's `Failure` body, as far as it can be read. */
async function failureText (response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const { error } = JSON.parse(text) as { error?: { reason?: string, details?: string } }
    if (error?.reason != null) return `${error.reason}${error.details != null ? `: ${error.details}` : ''}`
  } catch {}
  return text.split('\n')[0]?.slice(0, 200) ?? ''
}

/**
 * The spec client (`@ipfs-shipyard/pinning-service-client`) for the remote service
 * `name` of the config; ERR_USAGE when there is none by that name.
 */
export async function remoteService (config: Config, name: unknown): Promise<RemoteService> {
  if (typeof name !== 'string' || name === '') throw new UsageError('give the remote service with --service=<name> (see pin remote service ls)')
  const entry = config.Pinning.RemoteServices[name]
  if (entry == null) throw new UsageError(`no remote pinning service "${name}" (add it with pin remote service add)`)
  // loaded only by the commands that talk to a service
  const { Configuration, RemotePinningServiceClient } = await import('@ipfs-shipyard/pinning-service-client')
  const client = new RemotePinningServiceClient(new Configuration({
    endpointUrl: entry.API.Endpoint.replace(/\/+$/, ''),
    accessToken: entry.API.Key
  }))
  return {
    name,
    client,
    async call (fn) {
      try {
        return await fn(client)
      } catch (err) {
        if (err instanceof Response) throw new RemotePinningError(`remote service "${name}" answered ${err.status}: ${await failureText(err)}`)
        if (err instanceof TypeError) throw new RemotePinningError(`remote service "${name}" at ${entry.API.Endpoint} is unreachable: ${err.message}`, { cause: err })
        throw err
      }
    }
  }
}
