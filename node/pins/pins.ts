import { AlreadyPinnedError, NotPinnedError } from '../errors.js'
import { blockKey } from '../repo/block-files.js'
import { withoutGc } from './gc-lock.js'
import { nodeBlocks, storeBlocks } from '../blocks.js'
import { DAG_PB, SHA2_256 } from '../dag/codecs.js'
import { dagWalker } from '../dag/helia-walker.js'
import { walkDag, type BlockSource, type WalkedBlock } from '../dag/walk.js'
import type { WrittenLinks } from '../dag/written-links.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** How a CID is pinned: itself and everything below it, or itself alone. */
export type PinType = 'recursive' | 'direct'

/** One pin as stored. */
export interface PinEntry {
  cid: CID
  type: PinType
  /** The `--name` given when pinning, if any. */
  name?: string
}

const drain = async (source: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of source) { /* consume */ }
}

const signalOption = (signal?: AbortSignal): { signal?: AbortSignal } => signal != null ? { signal } : {}

/**
 * What is stored with a pin: its name, and whether it was pinned as a CIDv0 (Helia keys
 * pins by CIDv1, and Kubo users expect `pin ls` to give back the `Qm…` they pinned).
 */
function pinMetadata (cid: CID, name: string | undefined): Record<string, string | number> {
  return { ...(name !== undefined ? { name } : {}), ...(cid.version === 0 ? { cidVersion: 0 } : {}) }
}

/** The CID as it was pinned, from the CIDv1 Helia lists. */
function pinnedAs (cid: CID, metadata: Record<string, unknown>): CID {
  return metadata.cidVersion === 0 && cid.version === 1 && cid.code === DAG_PB && cid.multihash.code === SHA2_256
    ? cid.toV0()
    : cid
}

function toEntry (cid: CID, depth: number, metadata: Record<string, unknown>): PinEntry {
  const name = metadata.name
  return { cid, type: depth === 0 ? 'direct' : 'recursive', ...(typeof name === 'string' ? { name } : {}) }
}

/** Every pin in the repo, as Helia stores them. */
export async function * listPins (node: CairnNode, signal?: AbortSignal): AsyncGenerator<PinEntry> {
  for await (const pin of node.helia.pins.ls(signalOption(signal))) {
    yield toEntry(pinnedAs(pin.cid, pin.metadata), pin.depth, pin.metadata)
  }
}

/** The pin on exactly this CID, or undefined when it has none of its own. */
export async function pinOf (node: CairnNode, cid: CID, signal?: AbortSignal): Promise<PinEntry | undefined> {
  try {
    const pin = await node.helia.pins.get(cid, signalOption(signal))
    return toEntry(cid, pin.depth, pin.metadata)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    throw err
  }
}

/** Options for {@link addPin}. */
export interface AddPinOptions {
  recursive: boolean
  name?: string
  signal?: AbortSignal
  /** Called for each block of the DAG as it is found (fetched when online). Not called with `written`. */
  onBlock?: (block: WalkedBlock) => void
  /**
   * The whole DAG was just written to this repo by the caller (`add`), under the GC lock,
   * which recorded the links of what it wrote: nothing needs fetching or checking first,
   * and the pin counts the blocks without reading back those recorded.
   */
  written?: WrittenLinks
}

/**
 * The local blocks, for walks that use a raw leaf's CID and not whether it is on disk:
 * the keep set of GC and the indirect pins (a missing leaf has no file to keep and is
 * listed all the same), and Helia's pin counting, which runs once the blocks are known to
 * be local (just written by `add`, or made local by `addPin`'s own walk). An unread raw
 * leaf counts as present, which saves one access() per leaf; a missing block that is read
 * is still an error.
 */
function linkedBlocks (node: CairnNode, written?: WrittenLinks): BlockSource {
  return { ...storeBlocks(node.repo.blockstore), has: async () => true, ...(written != null ? { links: cid => written.linksOf(cid) } : {}) }
}

/**
 * Pins a CID. Every block the pin covers is made local first (offline: must already be
 * local), so a failure leaves no pin and no half-counted blocks behind. A direct pin is
 * upgraded to a recursive one; a direct pin on a recursively pinned CID is refused. With
 * `Datastore.Sync`, the blocks written so far and then the pin are on stable storage
 * when it returns.
 */
export async function addPin (node: CairnNode, cid: CID, options: AddPinOptions): Promise<void> {
  await withoutGc(node, async () => { await addPinNow(node, cid, options) })
}

async function addPinNow (node: CairnNode, cid: CID, options: AddPinOptions): Promise<void> {
  const wanted: PinType = options.recursive ? 'recursive' : 'direct'
  const existing = await pinOf(node, cid, options.signal)
  if (existing?.type === 'recursive' && wanted === 'direct') {
    throw new AlreadyPinnedError(`${cid.toString()} is already pinned recursively`)
  }
  const depth = options.recursive ? Infinity : 0
  if (options.written == null) {
    // make every block local (fetching what is missing when online); raw leaves that are
    // already here need not be read
    const walk = walkDag(nodeBlocks(node), cid, { depth, readRawLeaves: false, missing: node.online ? 'fetch' : 'fail', ...signalOption(options.signal) })
    for await (const block of walk) options.onBlock?.(block)
  }
  // with Datastore.Sync, the blocks are on disk before the pin that keeps them (a power
  // cut never leaves a pin without its blocks), and the pin is before addPin returns
  await node.repo.blockstore.sync()
  if (existing != null) {
    if (existing.type === wanted) {
      if (options.name !== undefined && options.name !== existing.name) {
        const stored = await node.helia.pins.get(cid, signalOption(options.signal))
        await node.helia.pins.setMetadata(cid, { ...stored.metadata, name: options.name }, signalOption(options.signal))
        await node.repo.datastore.sync()
      }
      return
    }
    await removeStoredPin(node, cid, options.signal)
  }
  const name = options.name ?? existing?.name
  await drain(node.helia.pins.add(cid, {
    depth,
    metadata: pinMetadata(cid, name),
    ...signalOption(options.signal),
    walker: dagWalker(linkedBlocks(node, options.written)),
    offline: !node.online
  } as Parameters<CairnNode['helia']['pins']['add']>[1]))
  await node.repo.datastore.sync()
  await node.announce([cid])
}

/** Removes the pin on a CID; ERR_NOT_PINNED when it has none of its own. */
export async function removePin (node: CairnNode, cid: CID, signal?: AbortSignal): Promise<void> {
  if (await pinOf(node, cid, signal) == null) {
    const through = await findIndirect(node, cid, signal)
    throw new NotPinnedError(through != null
      ? `${cid.toString()} is pinned indirectly under ${through.toString()}`
      : `${cid.toString()} is not pinned`)
  }
  await removeStoredPin(node, cid, signal)
}

async function removeStoredPin (node: CairnNode, cid: CID, signal?: AbortSignal): Promise<void> {
  try {
    await drain(node.helia.pins.rm(cid, { ...signalOption(signal), walker: dagWalker(linkedBlocks(node)), offline: !node.online } as Parameters<CairnNode['helia']['pins']['rm']>[1]))
  } catch (err) {
    // Helia deletes the pin record first, then walks the DAG to update its block counts;
    // a block missing on that walk leaves the pin removed, which is what was asked
    if (await pinOf(node, cid, signal) != null) throw err
  }
}

/**
 * The keys ({@link blockKey}) of every block a pin keeps: the whole DAG of recursive
 * pins and the root of direct ones. Reads the disk only; a missing or undecodable block
 * is skipped (what is below it cannot be known).
 */
export async function pinnedBlockKeys (node: CairnNode, signal?: AbortSignal): Promise<Set<string>> {
  const keep = new Set<string>()
  const local = linkedBlocks(node)
  const direct: PinEntry[] = []
  for await (const pin of listPins(node, signal)) {
    if (pin.type === 'direct') {
      direct.push(pin)
      continue
    }
    await drain(walkDag(local, pin.cid, { seen: keep, tolerant: true, readRawLeaves: false, ...signalOption(signal) }))
  }
  // after the recursive ones, so that a direct root seen first never stops a recursive walk
  for (const pin of direct) keep.add(blockKey(pin.cid.multihash))
  return keep
}

/** Every block below a recursive pin (not the pinned roots themselves), each once. */
export async function * indirectPins (node: CairnNode, signal?: AbortSignal): AsyncGenerator<{ cid: CID, through: CID }> {
  const recursive: PinEntry[] = []
  for await (const pin of listPins(node, signal)) {
    if (pin.type === 'recursive') recursive.push(pin)
  }
  const roots = new Set(recursive.map(p => blockKey(p.cid.multihash)))
  const seen = new Set<string>()
  const local = linkedBlocks(node)
  for (const pin of recursive) {
    for await (const block of walkDag(local, pin.cid, { seen, tolerant: true, readRawLeaves: false, ...signalOption(signal) })) {
      if (block.depth > 0 && !roots.has(blockKey(block.cid.multihash))) yield { cid: block.cid, through: pin.cid }
    }
  }
}

/** The recursive pin a CID is below, or undefined when it is below none. */
export async function findIndirect (node: CairnNode, cid: CID, signal?: AbortSignal): Promise<CID | undefined> {
  const key = blockKey(cid.multihash)
  for await (const { cid: below, through } of indirectPins(node, signal)) {
    if (blockKey(below.multihash) === key) return through
  }
  return undefined
}

/** One bad block of a pinned DAG. */
export interface BadNode { Cid: string, Err: string }

/** The `pin verify` result for one pin (Kubo's shape). */
export interface PinVerifyResult {
  Cid: string
  Ok: boolean
  BadNodes?: BadNode[]
}

/** Checks that every block of every pin is local and hashes to its CID. */
export async function * verifyPins (node: CairnNode, signal?: AbortSignal): AsyncGenerator<PinVerifyResult> {
  const local = storeBlocks(node.repo.blockstore)
  for await (const pin of listPins(node, signal)) {
    const bad: BadNode[] = []
    const depth = pin.type === 'recursive' ? Infinity : 0
    for await (const block of walkDag(local, pin.cid, { depth, verify: true, tolerant: true, ...signalOption(signal) })) {
      if (block.error != null) bad.push({ Cid: block.cid.toString(), Err: block.error.message })
    }
    yield bad.length === 0 ? { Cid: pin.cid.toString(), Ok: true } : { Cid: pin.cid.toString(), Ok: false, BadNodes: bad }
  }
}
