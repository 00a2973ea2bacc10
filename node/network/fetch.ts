import { setMaxListeners } from 'node:events'
import { NoProvidersError, TimeoutError } from '../errors.js'
import { ProviderAbsence, sameMultihash } from './no-providers.js'
import { ProviderSearch } from './provider-search.js'
import { blockNotFound } from '../repo/hashing-blockstore.js'
import { reuseBitswapStreams, type StreamsEngine } from './bitswap-streams.js'
import { serveWantsFromRepo, type ServeEngine, type ServedBlocks } from './serve-wants.js'
import { spreadWants, type SpreadEngine } from './want-spread.js'
import type { BitswapLedger } from './bitswap-ledger.js'
import type { Denylist } from '../denylist/index.js'
import type { Blockstore } from 'interface-blockstore'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { BlockBroker, Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** The parts of Helia's bitswap broker the counters hook into (not exported by @helia/bitswap). */
interface BitswapInternals {
  bitswap: {
    wantList: EventTarget & {
      /** Per connected peer (a PeerMap), the wants already sent to it. */
      peers: { values(): Iterable<Set<string>>, keys(): Iterable<{ toString(): string }>, size: number }
      sendMessagesDebounced(): Promise<void>
      /** Sends each connected peer the wants it has not had yet (what the debounced call runs). */
      sendMessages?: () => Promise<void>
      /** Set while a send runs: the next one waits for it. */
      sendingMessages?: { promise: Promise<void> }
    }
    network: {
      sendMessage: (peer: { toString(): string }, message: { blocks: Map<string, { data: Uint8Array }> }, ...rest: unknown[]) => Promise<void>
      /** Started by every want, beside sending the wantlist: a routing provider search that dials what it finds. */
      findAndConnect: (cid: CID, options?: { signal?: AbortSignal, providers?: unknown[] }) => Promise<void>
    }
    getWantlist(): Array<{ cid: CID }>
    /** What bitswap serves other peers from; each peer's ledger takes it when the peer first writes. */
    peerWantLists: {
      blockstore: Blockstore
      ledgerMap: { values(): Iterable<{ blockstore?: Blockstore }>, get(peer: PeerId): { removeExpiredWants?: () => void } | undefined }
      receiveMessage(peer: PeerId, message: unknown): void
    }
  }
}

/** Options of the fetch mixin. */
export interface FetchOptions {
  /** `Fetch.Timeout` in ms: how long one block may take to arrive. */
  timeout: number
  /** The text of the timeout, for messages (`2m`). */
  timeoutText: string
  ledger: BitswapLedger
  /** The repo's denylist: blocked blocks are neither fetched nor served to peers. */
  denylist: Denylist
  /** The repo's blockstore, which bitswap serves peers' wants from. */
  local: ServedBlocks
}

type Retrieve = NonNullable<BlockBroker['retrieve']>

/** What a broker's retrieve is wrapped with besides the timeout. */
interface RetrieveHooks {
  search?: ProviderSearch
  absence?: ProviderAbsence
}

function limitRetrieve (retrieve: Retrieve, options: FetchOptions, hooks: RetrieveHooks = {}): Retrieve {
  return async (cid, opts = {}) => {
    // before anything asks the network: a blocked block is never wanted, found or stored
    await options.denylist.assertAllowed(cid)
    const timeout = AbortSignal.timeout(options.timeout)
    const done = new AbortController()
    // one caller's signal serves many block wants at once (as in Helia, no listener cap)
    if (opts.signal != null) setMaxListeners(Infinity, opts.signal)
    const signal = AbortSignal.any([...(opts.signal != null ? [opts.signal] : []), timeout, done.signal])
    setMaxListeners(Infinity, signal)
    hooks.search?.whileWanted(cid, signal)
    try {
      const block = retrieve(cid, { ...opts, signal })
      if (hooks.absence == null) return await block
      // the watch rejects with ERR_NO_PROVIDERS when nobody has the block; when it ends
      // without deciding (a provider found, the fetch over) the block is awaited as usual
      return await Promise.race([block, hooks.absence.watch(cid, signal).then(async () => await block)])
    } catch (err) {
      if (err instanceof NoProvidersError) throw err
      if (timeout.aborted && opts.signal?.aborted !== true) {
        throw new TimeoutError(`no peer sent block ${cid.toString()} within ${options.timeoutText} (Fetch.Timeout)`, { cause: err })
      }
      throw err
    } finally {
      done.abort()
    }
  }
}

/** The block brokers of a started Helia node (a private field of Helia's class). */
export function blockBrokers (helia: Helia): BlockBroker[] {
  return (helia as unknown as { blockBrokers: BlockBroker[] }).blockBrokers
}

/** The bitswap engine inside Helia's bitswap broker, when there is one. */
export function bitswapEngine (helia: Helia): BitswapInternals['bitswap'] | undefined {
  const broker = blockBrokers(helia).find(b => b.name === 'bitswap') as (BlockBroker & Partial<BitswapInternals>) | undefined
  return broker?.bitswap
}

/**
 * A Helia mixin, added after bitswap's: bounds every network block retrieval (direct and
 * in sessions) by `Fetch.Timeout`, failing with ERR_TIMEOUT instead of waiting forever,
 * searches for providers again while a bitswap want waits ({@link ProviderSearch}), and
 * feeds the per-peer bitswap counters.
 */
export function fetchMixin (options: FetchOptions): { name: string, start: (helia: Helia) => Promise<void> } {
  return {
    name: 'cairn-fetch',
    start: async (helia: Helia) => {
      const engine = bitswapEngine(helia)
      const online = helia as Helia & { libp2p: Libp2p }
      const spread = engine != null ? spreadWants(engine as unknown as SpreadEngine) : undefined
      if (engine != null && spread == null) process.emitWarning('@helia/bitswap internals changed: every block is asked of every connected peer')
      const rebroadcast = engine == null ? undefined : spread?.rebroadcast ?? (() => { rebroadcastWantlist(engine) })
      const search = new ProviderSearch(online, rebroadcast != null ? { rebroadcast } : {})
      const absence = new ProviderAbsence(online, engine != null && rebroadcast != null ? { wantList: engine.wantList, rebroadcast } : {})
      if (engine != null) {
        refuseToServeBlocked(engine, options.denylist)
        if (!reuseBitswapStreams(engine as unknown as StreamsEngine)) process.emitWarning('@helia/bitswap internals changed: each bitswap message opens a stream of its own')
        if (!serveWantsFromRepo(engine as unknown as ServeEngine, withoutBlocked(options.local, options.denylist))) process.emitWarning('@helia/bitswap internals changed: peers\' wants are served as Helia does (WANT_HAVE reads the block)')
        resendWhenAskedAgain(engine)
        searchOnceConnectedPeersMiss(engine)
        sendWantsNextTurn(engine)
      }
      for (const broker of blockBrokers(helia)) {
        if ((broker as { cairnLimited?: boolean }).cairnLimited === true) continue
        Object.assign(broker, { cairnLimited: true })
        if (broker.retrieve != null) broker.retrieve = limitRetrieve(broker.retrieve.bind(broker), options, broker.name === 'bitswap' ? { search, absence } : {})
        const createSession = broker.createSession?.bind(broker)
        if (createSession != null) {
          broker.createSession = (opts) => {
            const session = createSession(opts)
            if (session.retrieve != null) session.retrieve = limitRetrieve(session.retrieve.bind(session), options)
            return session
          }
        }
      }
      countBitswap(helia, options.ledger)
    }
  }
}

/** Whether the denylist blocks `cid`: no extra wait on the serving path while the lists are fresh (re-read once a second). */
async function isBlocked (denylist: Denylist, cid: CID): Promise<boolean> {
  return denylist.isBlockedNow(cid) ?? await denylist.isBlocked(cid)
}

/** The repo's blocks as bitswap serves them (serve-wants.ts): a blocked block is missing. */
function withoutBlocked (local: ServedBlocks, denylist: Denylist): ServedBlocks {
  return {
    has: async (cid, options) => !await isBlocked(denylist, cid) && await local.has(cid, options),
    async * get (cid, options) {
      if (await isBlocked(denylist, cid)) throw blockNotFound(`block ${cid.toString()} is not served (denylisted)`)
      yield * local.get(cid, options)
    }
  }
}

/**
 * Bitswap answers other peers' wants from a view of the blockstore in which blocked
 * blocks are missing: a peer that wants one gets DONT_HAVE (or nothing), never the bytes.
 * (Cairn's own serving reads {@link withoutBlocked}; this guards Helia's, should Cairn's
 * not install.)
 */
function refuseToServeBlocked (engine: BitswapInternals['bitswap'], denylist: Denylist): void {
  const lists = engine.peerWantLists
  const store = lists.blockstore
  const guarded = new Proxy(store, {
    get (target, prop, receiver) {
      if (prop === 'has') {
        return async (cid: CID, opts?: { signal?: AbortSignal }) => await isBlocked(denylist, cid) ? false : target.has(cid, opts)
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  lists.blockstore = guarded
  // ledgers of peers that wrote before this ran hold the store themselves
  for (const ledger of lists.ledgerMap.values()) {
    if (ledger.blockstore != null) ledger.blockstore = guarded
  }
}

/**
 * A peer that asks again for a block sent to it more than bitswap's do-not-resend window
 * ago (5 s) gets it again: the first send was lost (a stream cut or timed out under
 * load). Helia's ledger keeps such a want as 'sent' when the peer's new want arrives and
 * only then drops it as expired, so the block went out again only on the peer's second
 * re-ask, half a minute or more later with Cairn's rebroadcast back-off. Expired wants
 * are dropped before each incoming message is read instead.
 */
function resendWhenAskedAgain (engine: BitswapInternals['bitswap']): void {
  const lists = engine.peerWantLists
  if (typeof lists.receiveMessage !== 'function') {
    process.emitWarning('@helia/bitswap internals changed: blocks lost on the way are re-sent late')
    return
  }
  const receive = lists.receiveMessage.bind(lists)
  lists.receiveMessage = (peer, message) => {
    lists.ledgerMap.get(peer)?.removeExpiredWants?.()
    receive(peer, message)
  }
}

/**
 * Sends wantlist changes on the event loop's next turn (setImmediate) instead of on a
 * timer: with bitswap's `sendWantlistDebounce` at 0 (online-node.ts) Helia's setTimeout
 * still waits Node's minimum of 1 ms, about an eighth of a small block's whole fetch
 * from a connected peer. Wants made in the same turn still share one message, and, as
 * in Helia, a send waits for the one under way.
 */
function sendWantsNextTurn (engine: BitswapInternals['bitswap']): void {
  const wantList = engine.wantList
  const send = wantList.sendMessages?.bind(wantList)
  if (send == null) {
    process.emitWarning('@helia/bitswap internals changed: wants wait for a timer before they are sent')
    return
  }
  let queued = false
  wantList.sendMessagesDebounced = async () => {
    await wantList.sendingMessages?.promise
    if (queued) return
    queued = true
    setImmediate(() => {
      queued = false
      send().catch(() => {})
    })
  }
}

/** The longest a want waits for its connected peers before the provider search starts (Kubo's `ProviderSearchDelay`). */
const providerSearchDelay = 1_000

/**
 * Starts Helia's provider search for a want only once the connected peers cannot send
 * the block: when each of them has answered DONT_HAVE, or after {@link providerSearchDelay}
 * without the block, as Kubo's bitswap does. Helia starts it with the want itself, so a
 * block that a connected peer sends within milliseconds also cost a DHT query (a stream
 * to each of the closest peers, answered from their provider stores) competing with the
 * bitswap exchange on both sides. With no connected bitswap peer, or providers given,
 * the search starts at once; it never starts once the block has arrived (the want's
 * signal aborts).
 */
function searchOnceConnectedPeersMiss (engine: BitswapInternals['bitswap']): void {
  const network = engine.network
  if (typeof network.findAndConnect !== 'function') {
    process.emitWarning('@helia/bitswap internals changed: provider searches start with every want')
    return
  }
  const findAndConnect = network.findAndConnect.bind(network)
  network.findAndConnect = async (cid, opts) => {
    if (engine.wantList.peers.size > 0 && opts?.providers == null) {
      await connectedPeersMiss(engine, cid, opts?.signal)
      if (opts?.signal?.aborted === true) return
    }
    await findAndConnect(cid, opts)
  }
}

/** Resolves when every connected bitswap peer has said DONT_HAVE for `cid`, after the delay, or on abort. */
async function connectedPeersMiss (engine: BitswapInternals['bitswap'], cid: CID, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return
  const wantList = engine.wantList
  const missing = new Set<string>()
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      wantList.removeEventListener('presence', onPresence)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const onPresence = (evt: Event): void => {
      const p = (evt as CustomEvent<{ sender: { toString(): string }, cid: CID, has: boolean }>).detail
      if (p.has || !sameMultihash(p.cid, cid)) return
      missing.add(p.sender.toString())
      if ([...wantList.peers.keys()].every(peer => missing.has(peer.toString()))) done()
    }
    const timer = setTimeout(done, providerSearchDelay)
    wantList.addEventListener('presence', onPresence)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Forgets what was sent to whom, so the next wantlist message carries every want again. */
function rebroadcastWantlist (engine: BitswapInternals['bitswap']): void {
  for (const sent of engine.wantList.peers.values()) sent.clear()
  engine.wantList.sendMessagesDebounced().catch(() => {})
}

function countBitswap (helia: Helia, ledger: BitswapLedger): void {
  const engine = bitswapEngine(helia)
  if (engine == null) return
  engine.wantList.addEventListener('block', (evt) => {
    const detail = (evt as CustomEvent<{ sender: { toString(): string }, cid: CID, block: Uint8Array }>).detail
    ledger.received(detail.sender.toString(), detail.cid, detail.block.byteLength)
  })
  const network = engine.network
  const sendMessage = network.sendMessage.bind(network)
  network.sendMessage = async (peer, message, ...rest) => {
    await sendMessage(peer, message, ...rest)
    for (const block of message.blocks.values()) ledger.sent(peer.toString(), block.data.byteLength)
  }
}
