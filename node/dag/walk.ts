import { blockKey } from '../repo/block-files.js'
import { blockProblem } from '../repo/verify.js'
import { IDENTITY, RAW } from './codecs.js'
import { linksOf } from './links.js'
import type { CID } from 'multiformats/cid'

/** Where a walk reads blocks from (see node/blocks.ts for the local and the node's). */
export interface BlockSource {
  /** True when the block is stored locally. */
  has(cid: CID, signal?: AbortSignal): Promise<boolean>
  /** The whole block; a source that cannot fetch throws ERR_BLOCK_NOT_LOCAL for a missing one. */
  get(cid: CID, signal?: AbortSignal): Promise<Uint8Array>
  /**
   * The links of a block known without reading it (a write that just put it recorded
   * them), or undefined when they are not. Used by walks that neither verify nor choose
   * their own `children`; such a block is yielded without bytes.
   */
  links?(cid: CID): readonly CID[] | undefined
}

/**
 * What a walk does with a block that is not stored locally: leave it (and what is below
 * it) out, fail with the source's error (ERR_BLOCK_NOT_LOCAL), or read it through the
 * source, which fetches it when it can. `fail` and `fetch` differ only in the source
 * a caller gives (one that cannot fetch, or one that can).
 */
export type MissingBlock = 'skip' | 'fail' | 'fetch'

/** A block to visit next, with what the walk carries along to it. */
export interface DagChild<S> {
  cid: CID
  state: S
}

/** One block met by {@link walkDag}. */
export interface WalkedBlock<S = undefined> {
  cid: CID
  /** Levels below the root. */
  depth: number
  /** The state given with this block by its parent's `children` (the root's: `rootState`). */
  state: S
  /** Absent when the block could not be read (tolerant walks) or was not (raw leaves unread). */
  bytes?: Uint8Array
  /** Why the block is bad (tolerant walks only). */
  error?: Error
}

/** Options for {@link walkDag}. */
export interface DagWalkOptions<S = undefined> {
  /** Default `depth-first`: pre-order in link order. `breadth-first`: level by level. */
  order?: 'depth-first' | 'breadth-first'
  /** Default `fail`. */
  missing?: MissingBlock
  /**
   * Default true. False: raw blocks (which link to nothing) are yielded without being
   * read, only checked to be local (a missing one is fetched under `missing: 'fetch'`).
   * Ignored when `verify` is set.
   */
  readRawLeaves?: boolean
  /** How many levels of links to follow: 0 is the root alone; Infinity (default) the whole DAG. */
  depth?: number
  signal?: AbortSignal
  /** Walk keys of blocks already visited: skipped, and added to as the walk goes. */
  seen?: Set<string>
  /** True: a block is visited every time a link reaches it (CAR `dups=y`). Default false. */
  revisit?: boolean
  /** Re-hash every block read and report a mismatch instead of following its links. */
  verify?: boolean
  /** Yield a block that cannot be read or decoded (with `error`) instead of throwing. */
  tolerant?: boolean
  /** Blocks read ahead of the one being visited, so a networked source keeps requests in flight. Default 0. */
  lookahead?: number
  /** The blocks to visit below a block; default every link it holds (see {@link linksOf}). */
  children?: (block: Required<Pick<WalkedBlock<S>, 'cid' | 'bytes' | 'state'>>) => Array<DagChild<S>>
  /** The key a block is visited once under; default its {@link blockKey}. */
  key?: (cid: CID, state: S) => string
  /** The state of the root (for `children`). */
  rootState?: S
}

interface Pending<S> extends DagChild<S> {
  depth: number
}

/**
 * Walks a DAG iteratively (no recursion, whatever its depth), each block once under its
 * walk key (by default its multihash, {@link blockKey}), so the cost is linear in the
 * number of distinct blocks however often they are linked. Identity-hash blocks are read
 * from their CID. Errors are Cairn's typed ones (a block that does not decode:
 * ERR_INVALID_DAG).
 */
export async function * walkDag<S = undefined> (source: BlockSource, root: CID, options: DagWalkOptions<S> = {}): AsyncGenerator<WalkedBlock<S>> {
  const maxDepth = options.depth ?? Infinity
  const missing = options.missing ?? 'fail'
  const verify = options.verify === true
  const readRaw = verify || options.readRawLeaves !== false
  const seen = options.seen ?? new Set<string>()
  const keyOf = options.key ?? ((cid: CID) => blockKey(cid.multihash))
  const children = options.children ?? (block => linksOf(block.cid, block.bytes).map(cid => ({ cid, state: block.state })))
  const knownLinks = !verify && options.children == null ? source.links?.bind(source) : undefined
  const lookahead = options.lookahead ?? 0
  const signal = options.signal
  const breadthFirst = options.order === 'breadth-first'

  // depth-first pops from the end; breadth-first takes from `head` on
  const pending: Array<Pending<S>> = [{ cid: root, depth: 0, state: options.rootState as S }]
  let head = 0
  const take = (): Pending<S> | undefined => breadthFirst ? pending[head++] : pending.pop()
  const size = (): number => pending.length - head
  const reads = new Map<string, Promise<Uint8Array>>()

  const read = async (cid: CID): Promise<Uint8Array> => {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    return await source.get(cid, signal)
  }
  const readAhead = (): void => {
    for (let i = 0; i < size() && reads.size < lookahead; i++) {
      const next = pending[breadthFirst ? head + i : pending.length - 1 - i] as Pending<S>
      const key = blockKey(next.cid.multihash)
      if (reads.has(key) || (options.revisit !== true && seen.has(keyOf(next.cid, next.state)))) continue
      if (!readRaw && next.cid.code === RAW) continue
      const promise = read(next.cid)
      promise.catch(() => {}) // reported when its turn comes
      reads.set(key, promise)
    }
  }
  const readNow = async (cid: CID): Promise<Uint8Array> => {
    const key = blockKey(cid.multihash)
    const ahead = reads.get(key)
    reads.delete(key)
    if (ahead != null) return await ahead
    return await read(cid)
  }
  const push = (links: Array<DagChild<S>>, depth: number): void => {
    if (breadthFirst) {
      for (const link of links) pending.push({ ...link, depth: depth + 1 })
    } else {
      for (let i = links.length - 1; i >= 0; i--) pending.push({ ...(links[i] as DagChild<S>), depth: depth + 1 })
    }
  }
  const isLocal = async (cid: CID): Promise<boolean> => cid.multihash.code === IDENTITY || await source.has(cid, signal)

  while (size() > 0) {
    signal?.throwIfAborted()
    const { cid, depth, state } = take() as Pending<S>
    if (breadthFirst && head > 1024 && head * 2 > pending.length) {
      pending.splice(0, head)
      head = 0
    }
    if (options.revisit !== true) {
      const key = keyOf(cid, state)
      if (seen.has(key)) continue
      seen.add(key)
    }
    let bytes: Uint8Array | undefined
    const links: Array<DagChild<S>> = []
    const known = knownLinks?.(cid)
    if (known != null) {
      yield { cid, depth, state }
      if (depth < maxDepth) push(known.map(link => ({ cid: link, state })), depth)
      continue
    }
    try {
      // a read of a missing block fails (or fetches) by itself: ask only when it matters
      const unread = !readRaw && cid.code === RAW
      const local = unread || missing === 'skip' ? await isLocal(cid) : true
      if (!local && missing === 'skip') continue
      // a missing block is read all the same: the source fetches it, or says why it cannot
      if (!unread || !local) {
        readAhead()
        bytes = await readNow(cid)
        if (verify) {
          const problem = await blockProblem(cid.multihash, bytes)
          if (problem != null) throw new Error(problem)
        }
        if (depth < maxDepth) links.push(...children({ cid, bytes, state }))
        if (unread) bytes = undefined
      }
    } catch (err) {
      if (options.tolerant !== true) throw err
      yield { cid, depth, state, error: err instanceof Error ? err : new Error(String(err)) }
      continue
    }
    yield bytes != null ? { cid, depth, state, bytes } : { cid, depth, state }
    push(links, depth)
  }
}
