import { randomUUID } from 'node:crypto'
import { Key } from 'interface-datastore'
import { multiaddr } from '@multiformats/multiaddr'
import { NotFoundError, NotPinnedError } from '../errors.js'
import { parseCid } from '../content/content-path.js'
import { addPin, pinOf, removePin } from '../pins/pins.js'
import { RequestStore, type PinObject, type PinRequest, type PinState } from './requests.js'
import { TokenStore } from './tokens.js'
import type { CairnNode } from '../node.js'

/** How `name` is compared in a list query (the spec's `TextMatchingStrategy`). */
export type TextMatch = 'exact' | 'iexact' | 'partial' | 'ipartial'

/** The spec's `GET /pins` filters, already validated. */
export interface PinQuery {
  cid?: string[]
  name?: string
  match?: TextMatch
  /** Default: `pinned` only, as the spec says. */
  status?: PinState[]
  before?: Date
  after?: Date
  meta?: Record<string, string>
  limit: number
}

/** The spec's `PinResults`: how many match, and the newest `limit` of them. */
export interface PinList {
  count: number
  results: PinRequest[]
}

/** How long one origin may take to dial (best effort: a failure never fails the pin). */
const originDialMs = 15_000
const maxDelegates = 20
const live: ReadonlySet<PinState> = new Set(['queued', 'pinning', 'pinned'])
const ownedKey = (cid: string): Key => new Key(`/pinning/owned/${cid}`)
/** One spelling per CID (v1), so that `Qm…` and `bafy…` requests count as one pin. */
const cidKey = (text: string): string => parseCid(text).toV1().toString()

/**
 * The node side of the Pinning Service API: pin requests per token, a small work queue
 * that moves each from `queued` through `pinning` to `pinned` or `failed`, and the local
 * pins behind them. A local pin the service made (`/pinning/owned/<cid>`) is removed when
 * the last live request for its CID goes; a pin the user had made before is left alone.
 * Requests live in the datastore: {@link start} resumes every unfinished one.
 */
export class PinningService {
  readonly tokens: TokenStore
  private readonly node: CairnNode
  private readonly store: RequestStore
  private readonly pending: string[] = []
  private readonly active = new Map<string, AbortController>()
  private readonly workers = new Set<Promise<void>>()
  private serial: Promise<unknown> = Promise.resolve()
  private lastCreated = 0
  private stopping = false

  constructor (node: CairnNode) {
    this.node = node
    this.tokens = new TokenStore(node.repo.datastore)
    this.store = new RequestStore(node.repo.datastore)
  }

  /** Resumes unfinished requests (oldest first) and finishes replacements a stop interrupted. */
  async start (): Promise<void> {
    const unfinished: PinRequest[] = []
    for await (const request of this.store.all()) {
      this.lastCreated = Math.max(this.lastCreated, Date.parse(request.created))
      if (request.status === 'queued' || request.status === 'pinning') unfinished.push(request)
      else if (request.status === 'pinned' && request.replaces != null) await this.dropReplaced(request)
    }
    unfinished.sort((a, b) => a.created.localeCompare(b.created))
    for (const request of unfinished) this.enqueue(request.requestid)
  }

  /** Stops the work queue: pins in flight are aborted and stay unfinished, to resume on the next start. */
  async stop (): Promise<void> {
    this.stopping = true
    this.pending.length = 0
    for (const controller of this.active.values()) controller.abort(new Error('the pinning service is stopping'))
    await Promise.allSettled([...this.workers])
  }

  /** This node's multiaddrs, for `PinStatus.delegates` (the spec allows at most 20). */
  delegates (): string[] {
    return this.node.network?.libp2p.getMultiaddrs().slice(0, maxDelegates).map(String) ?? []
  }

  /** `POST /pins`: stores a queued request and starts on it. */
  async add (owner: string, pin: PinObject, replaces?: string): Promise<PinRequest> {
    const request: PinRequest = {
      requestid: randomUUID(),
      owner,
      status: 'queued',
      created: this.nextCreated(),
      pin,
      ...(replaces != null ? { replaces } : {})
    }
    await this.exclusive(async () => { await this.store.put(request) })
    this.enqueue(request.requestid)
    return request
  }

  /** `GET /pins/{requestid}`: ERR_NOT_FOUND for an unknown id or another token's. */
  async get (owner: string, requestid: string): Promise<PinRequest> {
    const request = await this.store.get(requestid)
    if (request?.owner !== owner) throw new NotFoundError(`no pin request ${requestid}`)
    return request
  }

  /** `GET /pins`: this token's requests that match, newest first. */
  async list (owner: string, query: PinQuery): Promise<PinList> {
    const matches = matcher(query)
    const found: PinRequest[] = []
    for await (const request of this.store.all()) {
      if (request.owner === owner && matches(request)) found.push(request)
    }
    found.sort((a, b) => b.created.localeCompare(a.created))
    return { count: found.length, results: found.slice(0, query.limit) }
  }

  /**
   * `POST /pins/{requestid}`: a new request for `pin` that takes the old one's place. The
   * old request (and its local pin) stays until the new one is pinned, so blocks both
   * share are never dropped in between.
   */
  async replace (owner: string, requestid: string, pin: PinObject): Promise<PinRequest> {
    const old = await this.get(owner, requestid)
    return await this.add(owner, pin, old.requestid)
  }

  /** `DELETE /pins/{requestid}`: forgets the request, stops its fetch, and drops the local pin if no live request needs it. */
  async remove (owner: string, requestid: string): Promise<void> {
    const request = await this.get(owner, requestid)
    await this.exclusive(async () => { await this.store.delete(requestid) })
    this.active.get(requestid)?.abort(new Error('the pin request was removed'))
    await this.release(request.pin.cid)
  }

  /** Created times are unique (the spec pages with `before`/`after`): a clash moves on by 1 ms. */
  private nextCreated (): string {
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1)
    return new Date(this.lastCreated).toISOString()
  }

  /** Runs request-store read-modify-writes one at a time, so a delete is never undone by a status write. */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn)
    this.serial = run.catch(() => {})
    return await run
  }

  /** Sets a request's status (and info), unless it has been removed meanwhile; gives the updated request. */
  private async update (requestid: string, status: PinState, info?: Record<string, string>): Promise<PinRequest | undefined> {
    return await this.exclusive(async () => {
      const request = await this.store.get(requestid)
      if (request == null) return undefined
      const { info: _old, ...rest } = request
      const next: PinRequest = { ...rest, status, ...(info != null ? { info } : {}) }
      await this.store.put(next)
      return next
    })
  }

  private enqueue (requestid: string): void {
    if (this.stopping) return
    this.pending.push(requestid)
    this.pump()
  }

  private pump (): void {
    while (!this.stopping && this.active.size < this.node.config.Pinning.ServiceConcurrency) {
      const requestid = this.pending.shift()
      if (requestid == null) return
      const controller = new AbortController()
      this.active.set(requestid, controller)
      const worker = this.work(requestid, controller.signal).finally(() => {
        this.active.delete(requestid)
        this.workers.delete(worker)
        this.pump()
      })
      this.workers.add(worker)
    }
  }

  private async work (requestid: string, signal: AbortSignal): Promise<void> {
    const request = await this.update(requestid, 'pinning')
    if (request == null) return
    try {
      await this.dialOrigins(request.pin.origins ?? [], signal)
      const cid = parseCid(request.pin.cid)
      // a CID the user had pinned (a direct pin is made recursive) stays theirs: never marked owned
      const existing = await pinOf(this.node, cid, signal)
      if (existing?.type !== 'recursive') {
        await addPin(this.node, cid, { recursive: true, signal, ...(request.pin.name != null ? { name: request.pin.name } : {}) })
        if (existing == null) await this.node.repo.datastore.put(ownedKey(cidKey(request.pin.cid)), new Uint8Array())
      }
    } catch (err) {
      if (this.stopping) {
        await this.update(requestid, 'queued')
        return
      }
      const failed = await this.update(requestid, 'failed', { status_details: (err as Error).message.split('\n')[0] ?? '' })
      if (failed == null) await this.release(request.pin.cid)
      return
    }
    const pinned = await this.update(requestid, 'pinned')
    if (pinned == null) await this.release(request.pin.cid)
    else if (pinned.replaces != null) await this.dropReplaced(pinned)
  }

  /** Dials every origin at once, best effort, before the fetch starts (never this node itself). */
  private async dialOrigins (origins: string[], signal: AbortSignal): Promise<void> {
    const libp2p = this.node.network?.libp2p
    if (libp2p == null) return
    const self = libp2p.peerId.toString()
    await Promise.allSettled(origins.map(async text => {
      const addr = multiaddr(text)
      if (addr.getComponents().some(c => c.name === 'p2p' && c.value === self)) return
      await libp2p.dial(addr, { signal: AbortSignal.any([signal, AbortSignal.timeout(originDialMs)]) })
    }))
  }

  /** After a replacement is pinned: removes the request it replaced and that one's pin, if nothing else needs it. */
  private async dropReplaced (request: PinRequest): Promise<void> {
    const oldId = request.replaces as string
    const old = await this.store.get(oldId)
    await this.exclusive(async () => {
      await this.store.delete(oldId)
      const current = await this.store.get(request.requestid)
      if (current == null) return
      const { replaces: _done, ...rest } = current
      await this.store.put(rest)
    })
    this.active.get(oldId)?.abort(new Error('the pin request was replaced'))
    if (old != null) await this.release(old.pin.cid)
  }

  /** Removes the local pin on `cid` when the service made it and no live request needs it any more. */
  private async release (cidText: string): Promise<void> {
    const key = cidKey(cidText)
    for await (const other of this.store.all()) {
      if (live.has(other.status) && cidKey(other.pin.cid) === key) return
    }
    if (!await this.node.repo.datastore.has(ownedKey(key))) return
    try {
      await removePin(this.node, parseCid(key))
    } catch (err) {
      if (!(err instanceof NotPinnedError)) throw err
    }
    await this.node.repo.datastore.delete(ownedKey(key))
  }
}

/** The predicate for a list query. */
function matcher (query: PinQuery): (request: PinRequest) => boolean {
  const cids = query.cid != null ? new Set(query.cid.map(cidKey)) : undefined
  const statuses = new Set(query.status ?? ['pinned'])
  const named = nameMatcher(query.name, query.match ?? 'exact')
  return request => {
    const created = Date.parse(request.created)
    return statuses.has(request.status) &&
      (cids == null || cids.has(cidKey(request.pin.cid))) &&
      named(request.pin.name) &&
      (query.before == null || created < query.before.getTime()) &&
      (query.after == null || created > query.after.getTime()) &&
      Object.entries(query.meta ?? {}).every(([k, v]) => request.pin.meta?.[k] === v)
  }
}

function nameMatcher (wanted: string | undefined, match: TextMatch): (name: string | undefined) => boolean {
  if (wanted == null) return () => true
  const fold = match === 'iexact' || match === 'ipartial'
  const want = fold ? wanted.toLowerCase() : wanted
  return name => {
    if (name == null) return false
    const have = fold ? name.toLowerCase() : name
    return match === 'exact' || match === 'iexact' ? have === want : have.includes(want)
  }
}
