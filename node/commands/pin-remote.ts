import { setTimeout as sleep } from 'node:timers/promises'
import { RemotePinningError, UsageError } from '../errors.js'
import { valuesCommand, type Options } from './command.js'
import type { PinStatus, Status } from '@ipfs-shipyard/pinning-service-client'
import type { RemoteService } from '../pinning/remote-client.js'
import type { CairnNode } from '../node.js'

/** One remote pin, Kubo's `{Cid, Name, Status}`. */
export interface RemotePin {
  Cid: string
  Name: string
  Status: string
}

/** A status seen while `pin remote add` waits (only with `progress`, which the CLI turns on at a terminal). */
export interface RemotePinProgress extends RemotePin { Progress: true }

/** `pin remote service ls`, Kubo's shape. */
export interface RemoteServiceList {
  RemoteServices: Array<{ Service: string, ApiEndpoint: string }>
}

const serviceOption = { name: 'service', type: 'string', description: 'the remote pinning service (see pin remote service ls)' } as const
const nameOption = { name: 'name', type: 'string', description: 'the name of the pin' } as const
const statuses = ['queued', 'pinning', 'pinned', 'failed']
/** How often `pin remote add` asks for the status while it waits. */
const pollMs = 500
/** Pins asked for per `GET /pins` page. */
const pageSize = 1000

async function service (node: CairnNode, options: Options): Promise<RemoteService> {
  const { remoteService } = await import('../pinning/remote-client.js')
  return await remoteService(node.config, options.service)
}

const remotePin = (status: PinStatus): RemotePin => ({ Cid: status.pin.cid, Name: status.pin.name ?? '', Status: status.status })

/** Comma-separated option text as a list (Kubo takes `--cid=a,b` and `--status=queued,pinning`). */
function list (value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  return value.split(',').map(v => v.trim()).filter(v => v !== '')
}

/** Every remote pin that matches the `name`, `cid` and `status` options, page by page (`before` the oldest seen). */
async function * matching (remote: RemoteService, options: Options): AsyncGenerator<PinStatus> {
  const status = list(options.status) ?? ['pinned']
  const bad = status.find(s => !statuses.includes(s))
  if (bad != null) throw new UsageError(`invalid --status "${bad}" (one of ${statuses.join(', ')})`)
  const cid = list(options.cid)
  let before: Date | undefined
  for (;;) {
    const page = await remote.call(client => client.pinsGet({
      status: status as Status[],
      limit: pageSize,
      ...(cid != null ? { cid } : {}),
      ...(typeof options.name === 'string' ? { name: options.name } : {}),
      ...(before != null ? { before } : {})
    }))
    yield * page.results
    const oldest = page.results[page.results.length - 1]
    if (oldest == null || page.results.length >= page.count) return
    before = oldest.created
  }
}

/** Dials the service's delegates, best effort, so that it can fetch from this node at once. */
async function dialDelegates (node: CairnNode, delegates: string[], signal: AbortSignal): Promise<void> {
  const libp2p = node.network?.libp2p
  if (libp2p == null) return
  const { multiaddr } = await import('@multiformats/multiaddr')
  await Promise.allSettled(delegates.map(async addr => {
    await libp2p.dial(multiaddr(addr), { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
  }))
}

export const pinRemoteAdd = valuesCommand<RemotePin | RemotePinProgress>({
  path: ['pin', 'remote', 'add'],
  description: 'Pin a CID on a remote pinning service (Pinning Services API); waits until it is pinned or failed unless --background',
  args: [{ name: 'cid', description: 'the CID to pin', required: true }],
  options: [
    serviceOption,
    nameOption,
    { name: 'background', type: 'boolean', default: false, description: 'return once the service has queued the pin' },
    { name: 'progress', type: 'boolean', tristate: true, description: 'give each status while waiting (on by default at a terminal)' }
  ],
  progressBar: false,
  async * run ({ node, signal }, { args, options }) {
    const { parseCid } = await import('../content/content-path.js')
    const cid = parseCid(args[0] as string).toString()
    const remote = await service(node, options)
    const origins = node.network?.libp2p.getMultiaddrs().map(String) ?? []
    let status = await remote.call(client => client.pinsPost({
      pin: {
        cid,
        ...(typeof options.name === 'string' ? { name: options.name } : {}),
        ...(origins.length > 0 ? { origins } : {})
      }
    }))
    await dialDelegates(node, status.delegates, signal)
    if (options.background !== true) {
      let shown: string | undefined
      while (status.status === 'queued' || status.status === 'pinning') {
        if (options.progress === true && shown !== status.status) yield { ...remotePin(status), Progress: true }
        shown = status.status
        await sleep(pollMs, undefined, { signal })
        const requestid = status.requestid
        status = await remote.call(client => client.pinsRequestidGet({ requestid }))
      }
      if (status.status === 'failed') {
        throw new RemotePinningError(`remote service "${remote.name}" failed to pin ${cid} (requestid ${status.requestid})${status.info?.status_details != null ? `: ${status.info.status_details}` : ''}`)
      }
    }
    yield remotePin(status)
  },
  text (value) {
    if ('Progress' in value) return `Status: ${value.Status}`
    return `CID:\t${value.Cid}\nName:\t${value.Name}\nStatus:\t${value.Status}`
  }
})

const filterOptions = [
  serviceOption,
  { name: 'name', type: 'string', description: 'only pins with this exact name' },
  { name: 'cid', type: 'string', list: true, description: 'only these CIDs (comma-separated)' },
  { name: 'status', type: 'string', list: true, description: 'only pins with these statuses (comma-separated: queued, pinning, pinned, failed; default pinned)' }
] as const

export const pinRemoteLs = valuesCommand<RemotePin>({
  path: ['pin', 'remote', 'ls'],
  description: 'List pins on a remote pinning service: `<cid> <status> <name>`, tab-separated',
  args: [],
  options: [...filterOptions],
  async * run ({ node }, { options }) {
    for await (const status of matching(await service(node, options), options)) yield remotePin(status)
  },
  text: value => `${value.Cid}\t${value.Status}\t${value.Name}`
})

export const pinRemoteRm = valuesCommand<never>({
  path: ['pin', 'remote', 'rm'],
  description: 'Remove pins from a remote pinning service (those matching --name, --cid, --status); more than one needs --force',
  args: [],
  options: [...filterOptions, { name: 'force', type: 'boolean', description: 'remove every matching pin, however many' }],
  async * run ({ node }, { options }) {
    const remote = await service(node, options)
    const found: PinStatus[] = []
    for await (const status of matching(remote, options)) found.push(status)
    if (found.length > 1 && options.force !== true) {
      throw new UsageError(`${found.length} remote pins match: add --force to remove them all`)
    }
    for (const { requestid } of found) await remote.call(client => client.pinsRequestidDelete({ requestid }))
  },
  text: () => undefined
})

export const pinRemoteServiceAdd = valuesCommand<never>({
  path: ['pin', 'remote', 'service', 'add'],
  description: 'Add a remote pinning service (Pinning.RemoteServices): a name, its API endpoint and its access token',
  args: [
    { name: 'service', description: 'a name for the service', required: true },
    { name: 'endpoint', description: 'the API endpoint (e.g. https://pinning.example/api/v1)', required: true },
    { name: 'key', description: 'the access token', required: true }
  ],
  options: [],
  async * run ({ node }, { args }) {
    const [name = '', endpoint = '', key = ''] = args
    if (node.config.Pinning.RemoteServices[name] != null) throw new UsageError(`a remote pinning service named "${name}" exists`)
    const { validateConfig } = await import('../../config/config.js')
    const next = structuredClone(node.config)
    next.Pinning.RemoteServices[name] = { API: { Endpoint: endpoint, Key: key } }
    await node.repo.saveConfig(validateConfig(next))
  },
  text: () => undefined
})

export const pinRemoteServiceLs = valuesCommand<RemoteServiceList>({
  path: ['pin', 'remote', 'service', 'ls'],
  description: 'List the remote pinning services: `<name> <endpoint>`, tab-separated',
  args: [],
  options: [],
  async * run ({ node }) {
    yield {
      RemoteServices: Object.entries(node.config.Pinning.RemoteServices)
        .map(([Service, entry]) => ({ Service, ApiEndpoint: entry.API.Endpoint }))
        .sort((a, b) => a.Service.localeCompare(b.Service))
    }
  },
  text: value => value.RemoteServices.length === 0 ? undefined : value.RemoteServices.map(s => `${s.Service}\t${s.ApiEndpoint}`).join('\n')
})

export const pinRemoteServiceRm = valuesCommand<never>({
  path: ['pin', 'remote', 'service', 'rm'],
  description: 'Remove a remote pinning service from the config',
  args: [{ name: 'service', description: 'its name', required: true }],
  options: [],
  async * run ({ node }, { args }) {
    const name = args[0] as string
    if (node.config.Pinning.RemoteServices[name] == null) throw new UsageError(`no remote pinning service "${name}"`)
    const next = structuredClone(node.config)
    const { [name]: _removed, ...rest } = next.Pinning.RemoteServices
    next.Pinning.RemoteServices = rest
    await node.repo.saveConfig(next)
  },
  text: () => undefined
})
