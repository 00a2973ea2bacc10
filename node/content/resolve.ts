import { exporter, walkPath, type PathEntry, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import { BlockNotLocalError, InvalidPathError, NotFoundError, NotUnixfsError, TimeoutError } from '../errors.js'
import { formatContentPath, type ContentPath } from './content-path.js'
import { checkedBlocks } from '../unixfs/checked-blocks.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** Options for reading content. */
export interface ReadOptions {
  signal?: AbortSignal
  /** Use only local blocks even when the node is online (the gateway's `only-if-cached`). */
  offline?: boolean
}

/** A resolved content path: the entry at its end and the CIDs of every step to it. */
export interface Resolved {
  entry: UnixFSEntry
  /** CIDs from the root to the entry, one per step (X-Ipfs-Roots). */
  roots: CID[]
}

/**
 * Walks a content path through UnixFS directories (plain and HAMT-sharded, loading only
 * the blocks on the way, each checked by {@link checkedBlocks}) and returns the entry at its end.
 */
export async function resolvePath (node: CairnNode, path: ContentPath, options: ReadOptions = {}): Promise<Resolved> {
  const opts = exporterOptions(node, options)
  const blocks = checkedBlocks(node.blocks)
  try {
    const roots = await throughPlainDirectories(node, blocks, path, opts)
    if (roots != null) {
      const cid = roots[roots.length - 1] as CID
      return { entry: await exporter(cid, blocks, opts), roots }
    }
  } catch (err) {
    throw translateReadError(err, path)
  }
  const target = [path.root.toString(), ...path.segments].join('/')
  try {
    let last: PathEntry | undefined
    for await (const step of walkPath(target, blocks, opts)) {
      last = step
    }
    if (last == null || last.remainder.length > 0) {
      throw new NotFoundError(`${formatContentPath(path)}: no such path`)
    }
    const entry = await exporter(last.cid, blocks, opts)
    return { entry, roots: last.roots.length > 0 ? last.roots : [last.cid] }
  } catch (err) {
    throw translateReadError(err, path)
  }
}

/**
 * The CIDs along `path` when every step but the last is a plain UnixFS directory that
 * has the next name (as walkPath gives them as roots); undefined otherwise (a HAMT, a
 * missing name, a path into a file), for walkPath to resolve or to report.
 */
async function throughPlainDirectories (node: CairnNode, blocks: ReturnType<typeof checkedBlocks>, path: ContentPath, opts: { signal?: AbortSignal, offline?: boolean }): Promise<CID[] | undefined> {
  const cache = node.directories
  const roots = [path.root]
  for (const segment of path.segments) {
    const links = await cache.links(blocks, roots[roots.length - 1] as CID, opts)
    const next = links?.get(segment)
    if (next == null) return undefined
    roots.push(next)
  }
  return roots
}

/** Exporter options: offline (fail fast on a missing block) when the node has no network. */
export function exporterOptions (node: CairnNode, options: ReadOptions): { signal?: AbortSignal, offline?: boolean } {
  return {
    ...(options.signal != null ? { signal: options.signal } : {}),
    ...(node.online && options.offline !== true ? {} : { offline: true })
  }
}

/**
 * Turns errors from the exporter, Helia and the blockstore into Cairn's typed errors.
 * Errors that are already Cairn's, and unknown ones, pass through unchanged.
 */
export function translateReadError (err: unknown, path?: ContentPath): unknown {
  if (!(err instanceof Error)) return err
  const where = path != null ? formatContentPath(path) : 'content'
  switch (err.name) {
    case 'BlockNotFoundWhileOfflineError':
    case 'InvalidConfigurationError':
      return BlockNotLocalError.offline(where, err)
    case 'NotFoundError':
    case 'DoesNotExistError':
      return new NotFoundError(`${where}: ${err.message}`, { cause: err })
    case 'BadPathError':
      return new InvalidPathError(`${where}: ${err.message}`, { cause: err })
    case 'NoResolverError':
    case 'NotUnixFSError':
      return new NotUnixfsError(`${where}: not UnixFS or a supported codec (${err.message})`, { cause: err })
    case 'TimeoutError':
      return new TimeoutError(`timed out fetching ${where}`, { cause: err })
    case 'LoadBlockFailedError':
    case 'AggregateError': {
      // every block source failed; the network's Fetch.Timeout shows up as one of them
      const inner = (err as AggregateError).errors ?? []
      // a denylisted block (ERR_BLOCKED) wins over anything else a source said
      const blocked = inner.find(e => (e as { code?: unknown }).code === 'ERR_BLOCKED')
      if (blocked != null) return blocked
      const timedOut = inner.some(e => e instanceof Error && (e.name === 'TimeoutError' || (e as { code?: unknown }).code === 'ERR_TIMEOUT'))
      if (timedOut) return new TimeoutError(`timed out fetching ${where}`, { cause: err })
      // no source found anyone to ask (ERR_NO_PROVIDERS, the gateway's 502)
      return inner.find(e => (e as { code?: unknown }).code === 'ERR_NO_PROVIDERS') ?? err
    }
    default:
      return err
  }
}
