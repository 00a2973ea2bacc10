import { varint } from 'multiformats'
import { base64 } from 'multiformats/bases/base64'
import { blockNotFound } from '../repo/hashing-blockstore.js'
import { readWholeBlock, type PieceSource } from '../unixfs/whole-blocks.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** A peer's want in Helia's bitswap ledger. */
interface LedgerWant {
  cid: CID
  wantType: 'WantBlock' | 'WantHave'
  sendDontHave: boolean
  status: 'want' | 'sending' | 'sent'
  expires?: number
  haveBlock?: boolean
  sentDoNotHave?: boolean
  /** When the block was last looked for and not found (ms; Cairn's, not Helia's). */
  missedAt?: number
}

/** The message shape @helia/bitswap's network sends (its class is not exported). */
interface BlocksMessage {
  full: boolean
  pendingBytes: number
  wantlist: Map<string, never>
  blocks: Map<string, { data: Uint8Array, prefix: Uint8Array }>
  blockPresences: Map<string, { cid: Uint8Array, type: 'HaveBlock' | 'DoNotHaveBlock' }>
}

/**
 * The blocks bitswap serves peers: the repo's, read straight from it, with the blocks a
 * peer must not get (denylisted) missing from both `has` and `get`.
 */
export interface ServedBlocks extends PieceSource {
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

/** A bitswap message as the network decodes it from a peer. */
interface ReceivedMessage {
  wantlist?: { full?: boolean, entries: unknown[] }
  blocks?: Array<{ data: Uint8Array }>
}

/** What the replacement reads and writes of a Helia bitswap ledger (one per peer). */
interface Ledger {
  peerId: PeerId
  network: { sendMessage(peer: PeerId, message: BlocksMessage, options?: AbortOptions): Promise<void> }
  wants: Map<string, LedgerWant>
  doNotResendBlockWindow: number
  removeExpiredWants(): void
  sentBytes(bytes: number): void
  receivedBytes(bytes: number): void
  sendBlocksToPeer(options?: AbortOptions): Promise<void>
  queueSendOperation(message?: ReceivedMessage, options?: AbortOptions): void
}

/** The part of Helia's bitswap engine that holds the ledgers. */
export interface ServeEngine {
  peerWantLists: {
    ledgerMap: { set(peer: PeerId, ledger: unknown): unknown, values(): Iterable<unknown> }
  }
}

/**
 * A want whose block was not here is looked for again on the peer's messages at most
 * this often (ms). Helia looked again on every message: a fetcher spreading its wants
 * sends one every few ms, and each re-checked the dozens of wants this peer lacks.
 */
const recheckMissingMs = 1_000
/** Blocks gathered past this many bytes go out while the next ones are read (bitswap's messages hold at most 4 MiB). */
const flushBytes = 1024 * 1024

const emptyMessage = (): BlocksMessage => ({ full: false, pendingBytes: 0, wantlist: new Map<string, never>(), blocks: new Map(), blockPresences: new Map() })

/** A block's CID prefix as bitswap 1.2 sends it: version, codec, hash code, digest length. */
function cidPrefix (cid: CID): Uint8Array {
  const values = [cid.version, cid.code, cid.multihash.code, cid.multihash.digest.byteLength]
  const prefix = new Uint8Array(values.reduce((sum, v) => sum + varint.encodingLength(v), 0))
  let offset = 0
  for (const v of values) {
    varint.encodeTo(v, prefix, offset)
    offset += varint.encodingLength(v)
  }
  return prefix
}

/**
 * Sends a peer what it asked for, as Helia's ledger does (the same statuses, the
 * do-not-resend window, DONT_HAVE once per want), but: a WANT_HAVE is answered from
 * `has` alone (Helia read the whole block to see whether it was small enough to send
 * instead: with wants spread over several providers, most of a provider's wants are
 * WANT_HAVEs); a WANT_BLOCK's block is read from the repo, with no `has` before it and
 * not through Helia's layers (which ask `has` twice and lock); and blocks go out while
 * the next are read, a message each time the previous one is out and a MiB or more is
 * ready (Helia read every wanted block before sending the first: the fetcher waited for
 * the whole batch, and it sat in memory).
 */
async function sendWanted (ledger: Ledger, served: ServedBlocks, options: AbortOptions = {}): Promise<void> {
  ledger.removeExpiredWants()
  const now = Date.now()
  const unsent = [...ledger.wants.values()].filter(want => want.status === 'want' && (want.missedAt == null || now - want.missedAt >= recheckMissingMs))
  if (unsent.length === 0) return
  for (const want of unsent) want.status = 'sending'
  let message = emptyMessage()
  let bytes = 0
  let sending: Promise<void> | undefined
  const send = async (out: BlocksMessage, outBytes: number): Promise<void> => {
    await ledger.network.sendMessage(ledger.peerId, out, options)
    ledger.sentBytes(outBytes)
  }
  const flush = (): void => {
    sending = send(message, bytes)
    // awaited by settle; until then a failed send must not count as unhandled
    sending.catch(() => {})
    message = emptyMessage()
    bytes = 0
  }
  const settle = async (): Promise<void> => {
    const previous = sending
    sending = undefined
    await previous
  }
  for (const want of unsent) {
    const key = base64.baseEncode(want.cid.multihash.bytes)
    let block: Uint8Array | undefined
    try {
      if (want.wantType === 'WantBlock') block = await readWholeBlock(served, want.cid, options)
      else if (!await served.has(want.cid, options)) throw blockNotFound(`block ${want.cid.toString()} not found`)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') {
        await settle()
        throw err
      }
      // as Helia: try again on the peer's next message, tell it DONT_HAVE once if it asked to be told
      want.status = 'want'
      want.haveBlock = false
      want.missedAt = Date.now()
      if (want.sendDontHave && want.sentDoNotHave !== true) {
        want.sentDoNotHave = true
        message.blockPresences.set(key, { cid: want.cid.bytes, type: 'DoNotHaveBlock' })
      }
      continue
    }
    // the peer may have cancelled or changed the want while the block was read
    if (want.status !== 'sending') continue
    if (block != null) {
      message.blocks.set(key, { data: block, prefix: cidPrefix(want.cid) })
      bytes += block.byteLength
    } else {
      message.blockPresences.set(key, { cid: want.cid.bytes, type: 'HaveBlock' })
    }
    want.status = 'sent'
    want.expires = Date.now() + ledger.doNotResendBlockWindow
    if (bytes >= flushBytes) {
      await settle()
      flush()
    }
  }
  await settle()
  if (message.blocks.size > 0 || message.blockPresences.size > 0) {
    flush()
    await settle()
  }
}

/**
 * Whether a peer's message leaves its ledger nothing to send: it changes no want, and no
 * want of the peer waits for a block (one not found is looked for again on its messages).
 */
function nothingToSend (ledger: Ledger, message: ReceivedMessage): boolean {
  const wantlist = message.wantlist
  if (wantlist != null && (wantlist.full === true || wantlist.entries.length > 0)) return false
  for (const want of ledger.wants.values()) if (want.status === 'want') return false
  return true
}

/**
 * Makes bitswap serve each peer's wants with {@link sendWanted}, from `served`: each
 * ledger Helia creates (one per peer, on its first message) gets it before its first
 * send. A message that leaves nothing to send (a provider's blocks and presences, to a
 * fetcher) is only counted: Helia queued a send job for every message, and each job's
 * AbortController, id and the AbortError its cleanup makes (a stack trace) cost a
 * fetcher from four providers about 2 % of its CPU. False, with nothing changed, when
 * Helia's ledgers are not where they were.
 */
export function serveWantsFromRepo (engine: ServeEngine, served: ServedBlocks): boolean {
  const ledgers = engine.peerWantLists?.ledgerMap
  if (typeof ledgers?.set !== 'function') return false
  const replace = (ledger: unknown): void => {
    const l = ledger as Partial<Ledger>
    if (typeof l.sendBlocksToPeer !== 'function' || typeof l.queueSendOperation !== 'function' || !(l.wants instanceof Map) || typeof l.removeExpiredWants !== 'function' || typeof l.sentBytes !== 'function' || typeof l.receivedBytes !== 'function') return
    const full = l as Ledger
    full.sendBlocksToPeer = async (options?: AbortOptions) => { await sendWanted(full, served, options) }
    const queue = full.queueSendOperation.bind(full)
    full.queueSendOperation = (message, options) => {
      if (message == null || !nothingToSend(full, message)) {
        queue(message, options)
        return
      }
      full.receivedBytes(message.blocks?.reduce((sum, block) => sum + block.data.byteLength, 0) ?? 0)
    }
  }
  for (const ledger of ledgers.values()) replace(ledger)
  const set = ledgers.set.bind(ledgers)
  ledgers.set = (peer, ledger) => {
    replace(ledger)
    return set(peer, ledger)
  }
  return true
}
