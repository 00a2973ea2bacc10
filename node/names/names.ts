import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { peerIdFromMultihash, peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { parseDuration } from '../../config/duration.js'
import { InvalidPathError, NameLoopError, NotFoundError, OfflineError } from '../errors.js'
import { dnsClient, readDnslink } from './dnslink.js'
import { ipnsNameOfPeer, isDomainName, parseIpnsName, type IpnsName } from './ipns-name.js'
import { Keystore } from './keystore.js'
import { ipnsTopic, joinTopic, pubsubOf } from './pubsub.js'
import { RecordStore, sameBytes, type HeldRecord } from './record-store.js'
import type { Config } from '../../config/config.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { DNS } from '@multiformats/dns'
import type { Datastore } from 'interface-datastore'

/** How deep `/ipns/` and DNSLink chains are followed (Kubo's limit). */
export const maxNameDepth = 32
/** How long a publish looks for a newer record of the same key on the network before signing. */
const networkLookupMs = 5_000

/** Options of {@link Names.publish}, Kubo's `name publish`. */
export interface PublishOptions {
  key?: string
  /** Validity in ms (`--lifetime`); `Ipns.RecordLifetime` by default. */
  lifetime?: number
  /** TTL in ms (`--ttl`), 5 min by default. */
  ttl?: number
  /** Publish to the local store alone when the node has no network. */
  allowOffline?: boolean
  signal?: AbortSignal
}

/** Options of {@link Names.resolve}. */
export interface ResolveOptions {
  /** Ask the network even when a fresh record is held. */
  nocache?: boolean
  /** Follow `/ipns/` and DNSLink values down to an `/ipfs/` path (default true). */
  recursive?: boolean
  signal?: AbortSignal
}

/** What a name resolved to. */
export interface ResolvedName {
  /** `/ipfs/<cid>[/path]` (or `/ipns/…` when not recursive). */
  path: string
  /** The shortest TTL met on the way, in seconds (Cache-Control). */
  ttl: number
}

/** The parts the naming service runs on. */
export interface NamesInit {
  datastore: Datastore
  config: Config
  keystore: Keystore
  /** The started libp2p, or undefined on an offline node. */
  libp2p: () => Libp2p | undefined
}

/**
 * IPNS and DNSLink for one node: `name publish` (records signed V1+V2, sequence always
 * above any held or found on the network), resolving through the held records, the DHT
 * and IPNS-over-PubSub, `routing put/get` of `/ipns/` records, and the republisher.
 */
export class Names {
  readonly keystore: Keystore
  readonly records: RecordStore
  /** `record` events (detail: the `k51…` name) when a newer record arrives over pubsub. */
  readonly updates = new EventTarget()
  private readonly init: NamesInit
  private dns: Promise<DNS> | undefined
  private controller = new AbortController()
  private republisher: ReturnType<typeof setInterval> | undefined
  private readonly onMessage = (event: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    void this.takePubsubRecord(event.detail.topic, event.detail.data).catch(() => {})
  }

  constructor (init: NamesInit) {
    this.init = init
    this.keystore = init.keystore
    this.records = new RecordStore(init.datastore)
  }

  /** Online only: listens on pubsub and starts the republisher on `Ipns.RepublishPeriod`. */
  start (): void {
    const libp2p = this.init.libp2p()
    if (libp2p == null) return
    this.controller = new AbortController()
    pubsubOf(libp2p)?.addEventListener('message', this.onMessage)
    const period = parseDuration(this.init.config.Ipns.RepublishPeriod)
    this.republisher = setInterval(() => { void this.republish().catch(() => {}) }, period)
    this.republisher.unref()
  }

  stop (): void {
    this.controller.abort()
    clearInterval(this.republisher)
    const libp2p = this.init.libp2p()
    if (libp2p != null) pubsubOf(libp2p)?.removeEventListener('message', this.onMessage)
  }

  /**
   * Signs and announces a record naming `value` with the key `options.key` (default
   * `self`). Its sequence is one above the highest held or found on the network for that
   * key, so a key imported on a second machine never goes backwards.
   */
  async publish (value: string, options: PublishOptions = {}): Promise<{ name: string, value: string }> {
    if (!/^\/(ipfs|ipns)\/[^/]+/.test(value)) throw new InvalidPathError(`invalid path "${value}": expected /ipfs/<cid>[/path] or /ipns/<name>[/path]`)
    const libp2p = this.init.libp2p()
    if (libp2p == null && options.allowOffline !== true) {
      throw new OfflineError('name publish: the node is offline; start the daemon, or pass --allow-offline to keep the record locally')
    }
    const key = await this.keystore.get(options.key ?? 'self')
    const name = nameOfKey(key)
    const held = await this.records.get(name)
    let sequence = held != null ? held.sequence + 1n : 0n
    if (libp2p != null) {
      const found = await this.fromNetwork(libp2p, name, AbortSignal.any([this.signal(options), AbortSignal.timeout(networkLookupMs)])).catch(() => undefined)
      if (found != null && found.sequence >= sequence) sequence = found.sequence + 1n
    }
    const lifetime = options.lifetime ?? parseDuration(this.init.config.Ipns.RecordLifetime)
    const ttlNs = BigInt(options.ttl ?? 5 * 60_000) * 1_000_000n
    const record = await createIPNSRecord(key, value, sequence, lifetime, { v1Compatible: true, ttlNs })
    const bytes = marshalIPNSRecord(record)
    await this.records.put(name, bytes)
    if (libp2p != null) await this.announce(libp2p, name, bytes, options)
    return { name: name.name, value }
  }

  /**
   * Stores a record given for a name (`routing put /ipns/<name>`): validated, and kept
   * only when not older than the one held; then announced when online.
   */
  async put (nameText: string, bytes: Uint8Array, signal?: AbortSignal): Promise<IpnsName> {
    const name = parseIpnsName(nameText)
    await this.records.put(name, bytes)
    const libp2p = this.init.libp2p()
    if (libp2p != null && libp2p.getConnections().length > 0) {
      await this.announce(libp2p, name, bytes, signal != null ? { signal } : {})
    }
    return name
  }

  /** The best record for a key name: held, or found on the network (`routing get`, `?format=ipns-record`). */
  async getRecord (nameText: string, options: ResolveOptions = {}): Promise<HeldRecord> {
    const name = parseIpnsName(nameText)
    const held = await this.records.get(name)
    if (held != null && options.nocache !== true && (this.records.isFresh(name, held) || await this.isOwn(name) || this.init.libp2p() == null)) {
      return held
    }
    const libp2p = this.init.libp2p()
    let asked = ''
    if (libp2p != null) {
      joinTopic(libp2p, ipnsTopic(name.routingKey), this.controller.signal)
      const signal = this.signal(options)
      let lookup = await this.lookup(libp2p, name, signal)
      // a query whose peers failed (timed out under load, a stream reset) is asked once more
      if (lookup.record == null && lookup.errors.length > 0 && !signal.aborted) lookup = await this.lookup(libp2p, name, signal)
      if (lookup.record != null) return lookup.record
      asked = lookup.asked
    }
    if (held != null) return held
    throw new NotFoundError(`could not resolve name "${name.name}": no record found${asked}`)
  }

  /**
   * The records of a key name as they are found, each better than the one before (Kubo's
   * `name resolve --stream`): the held one first (unless `nocache`), then every valid
   * record the DHT query turns up that beats the best so far, each stored as it comes.
   */
  async * streamRecords (nameText: string, options: ResolveOptions = {}): AsyncGenerator<HeldRecord> {
    const name = parseIpnsName(nameText)
    let best = options.nocache === true ? undefined : await this.records.get(name)
    if (best != null) yield best
    const libp2p = this.init.libp2p()
    const dht = libp2p != null ? dhtOf(libp2p) : undefined
    if (libp2p == null || dht == null || libp2p.getConnections().length === 0) {
      if (best == null) throw new NotFoundError(`could not resolve name "${name.name}": no record found`)
      return
    }
    joinTopic(libp2p, ipnsTopic(name.routingKey), this.controller.signal)
    for await (const event of dht.get(name.routingKey, { signal: this.signal(options) })) {
      if (event.name !== 'VALUE') continue
      // kept only when valid and not older than the held record
      const found = await this.records.put(name, event.value).catch(() => undefined)
      if (found == null || (best != null && sameBytes(found.bytes, best.bytes))) continue
      best = found
      yield found
    }
    if (best != null) return
    const held = await this.records.get(name)
    if (held == null) throw new NotFoundError(`could not resolve name "${name.name}": no record found`)
    yield held
  }

  /**
   * Resolves `/ipns/<name>[/path]` (or a bare name): IPNS keys through their records,
   * domains through DNSLink, following chains (recursive by default) and refusing loops.
   */
  async resolve (path: string, options: ResolveOptions = {}): Promise<ResolvedName> {
    let current = path.startsWith('/ipns/') ? path : `/ipns/${path.replace(/^\//, '')}`
    let ttl = Infinity
    const seen = new Set<string>()
    for (let depth = 0; ; depth++) {
      if (current.startsWith('/ipfs/')) return { path: current, ttl: Number.isFinite(ttl) ? ttl : 60 }
      if (depth >= maxNameDepth) throw new NameLoopError(`${path}: more than ${maxNameDepth} steps of /ipns/ and DNSLink`)
      const [, first = '', ...rest] = current.split('/').slice(1)
      if (first === '') throw new InvalidPathError(`invalid path "${current}": no name after /ipns/`)
      if (seen.has(first)) throw new NameLoopError(`${path}: the name ${first} resolves to itself (a loop)`)
      seen.add(first)
      const step = await this.resolveOne(first, options)
      ttl = Math.min(ttl, step.ttl)
      current = [step.value.replace(/\/$/, ''), ...rest].join('/')
      if (options.recursive === false) return { path: current, ttl }
    }
  }

  private async resolveOne (name: string, options: ResolveOptions): Promise<{ value: string, ttl: number }> {
    if (isDomainName(name)) {
      this.dns ??= dnsClient(this.init.config.DNS.Resolvers)
      return await readDnslink(await this.dns, name, options.signal)
    }
    const record = await this.getRecord(name, options)
    return { value: record.value, ttl: Number(record.ttl / 1_000_000_000n) }
  }

  /** Re-signs every key's latest record with a fresh validity and the next sequence, and announces it. */
  async republish (): Promise<number> {
    const libp2p = this.init.libp2p()
    if (libp2p == null) return 0
    let count = 0
    for (const { name: keyName, key } of await this.keystore.list()) {
      const held = await this.records.get(nameOfKey(key))
      if (held == null) continue
      await this.publish(held.value, { key: keyName, ttl: Number(held.ttl / 1_000_000n), signal: this.controller.signal })
      count++
    }
    return count
  }

  private async announce (libp2p: Libp2p, name: IpnsName, bytes: Uint8Array, options: { signal?: AbortSignal }): Promise<void> {
    const topic = ipnsTopic(name.routingKey)
    const pubsub = pubsubOf(libp2p)
    if (pubsub != null) {
      joinTopic(libp2p, topic, this.controller.signal)
      await pubsub.publish(topic, bytes).catch(() => {})
    }
    const dht = dhtOf(libp2p)
    if (dht == null) return
    // alone, the put still stores the record in this node's DHT store, which answers the
    // peers that connect later (a follower back from a restart asks it)
    const alone = libp2p.getConnections().length === 0
    try {
      for await (const event of dht.put(name.routingKey, bytes, { signal: alone ? AbortSignal.any([this.signal(options), AbortSignal.timeout(networkLookupMs)]) : this.signal(options) })) {
        void event
      }
    } catch (err) {
      if (!alone) throw err
    }
  }

  /** The best valid record the DHT knows for a name, stored when it beats the held one. */
  private async fromNetwork (libp2p: Libp2p, name: IpnsName, signal: AbortSignal): Promise<HeldRecord | undefined> {
    return (await this.lookup(libp2p, name, signal)).record
  }

  /**
   * One DHT query for a name: the best valid record found (stored when it beats the held
   * one), the query errors met, and what was asked, for the message when nothing is found.
   */
  private async lookup (libp2p: Libp2p, name: IpnsName, signal: AbortSignal): Promise<{ record?: HeldRecord, errors: string[], asked: string }> {
    const dht = dhtOf(libp2p)
    if (dht == null) return { errors: [], asked: ' (this node has no DHT)' }
    if (libp2p.getConnections().length === 0) return { errors: [], asked: ' (not connected to any peer)' }
    let best: Uint8Array | undefined
    const answered = new Set<string>()
    const errors: string[] = []
    try {
      for await (const event of dht.get(name.routingKey, { signal })) {
        if (event.name === 'VALUE') best = event.value
        else if (event.name === 'PEER_RESPONSE') answered.add(event.from.toString())
        else if (event.name === 'QUERY_ERROR') errors.push(event.error.message)
      }
    } catch (err) {
      errors.push((err as Error).message)
    }
    const asked = ` (${answered.size} DHT peer${answered.size === 1 ? '' : 's'} answered without one${errors.length > 0 ? `; ${errors.length} failed: ${errors[0] ?? ''}` : ''})`
    if (best == null) return { errors, asked }
    const record = await this.records.put(name, best).catch(async () => await this.records.get(name))
    return { ...(record != null ? { record } : {}), errors, asked }
  }

  /** Records arriving on an IPNS topic: kept when valid and newer, else dropped. */
  private async takePubsubRecord (topic: string, data: Uint8Array): Promise<void> {
    if (!topic.startsWith('/record/')) return
    const routingKey = Buffer.from(topic.slice('/record/'.length), 'base64url')
    const name = ipnsNameOfPeer(peerIdFromMultihash(Digest.decode(routingKey.subarray('/ipns/'.length))))
    const before = await this.records.get(name)
    const after = await this.records.put(name, data)
    if (before == null || !sameBytes(before.bytes, after.bytes)) this.updates.dispatchEvent(new CustomEvent('record', { detail: name.name }))
  }

  private async isOwn (name: IpnsName): Promise<boolean> {
    const keys = await this.keystore.list()
    return keys.some(k => nameOfKey(k.key).name === name.name)
  }

  private signal (options: { signal?: AbortSignal }): AbortSignal {
    return options.signal != null ? AbortSignal.any([options.signal, this.controller.signal]) : this.controller.signal
  }
}

function nameOfKey (key: PrivateKey): IpnsName {
  return ipnsNameOfPeer(peerIdFromPrivateKey(key))
}

function dhtOf (libp2p: Libp2p): KadDHT | undefined {
  return (libp2p.services as { dht?: KadDHT }).dht
}
