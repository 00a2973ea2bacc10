import { Key, type Datastore } from 'interface-datastore'

/** The spec's pin states: `queued` → `pinning` → `pinned` or `failed`. */
export const pinStates = ['queued', 'pinning', 'pinned', 'failed'] as const
export type PinState = typeof pinStates[number]

/** The spec's `Pin` object: what a client asks to be pinned. */
export interface PinObject {
  cid: string
  name?: string
  /** Multiaddrs (ending in `/p2p/<id>`) of peers that hold the data: dialled before fetching. */
  origins?: string[]
  meta?: Record<string, string>
}

/** A pin request as stored: the spec's `PinStatus` without `delegates`, plus its owner. */
export interface PinRequest {
  requestid: string
  /** Id of the token that made it; no other token sees it. */
  owner: string
  status: PinState
  /** ISO time, unique across the service (the spec pages by it). */
  created: string
  pin: PinObject
  info?: Record<string, string>
  /** The request this one replaces: removed once this one is pinned. */
  replaces?: string
}

const prefix = '/pinning/requests'
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const keyOf = (requestid: string): Key => new Key(`${prefix}/${requestid}`)

/** Pin requests in the repo's datastore under `/pinning/requests/<requestid>`, so they survive restarts. */
export class RequestStore {
  private readonly datastore: Datastore

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  async get (requestid: string): Promise<PinRequest | undefined> {
    try {
      return JSON.parse(decoder.decode(await this.datastore.get(keyOf(requestid)))) as PinRequest
    } catch {
      return undefined
    }
  }

  async put (request: PinRequest): Promise<void> {
    await this.datastore.put(keyOf(request.requestid), encoder.encode(JSON.stringify(request)))
  }

  async delete (requestid: string): Promise<void> {
    await this.datastore.delete(keyOf(requestid))
  }

  /** Every stored request, in no particular order. */
  async * all (): AsyncGenerator<PinRequest> {
    for await (const { value } of this.datastore.query({ prefix })) {
      yield JSON.parse(decoder.decode(value)) as PinRequest
    }
  }
}
