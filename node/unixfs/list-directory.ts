import { UnixFS } from 'ipfs-unixfs'
import { decode as decodePb, type PBLink } from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { NotUnixfsError } from '../errors.js'
import { formatContentPath, type ContentPath } from '../content/content-path.js'
import { exporterOptions } from '../content/resolve.js'
import { resolveEntry, translated } from './exported-entry.js'
import { orderedMap } from './ordered-map.js'
import { readWholeBlock } from './whole-blocks.js'
import type { CairnNode } from '../node.js'
import type { CID } from 'multiformats/cid'

/** UnixFS data types as Kubo's `ls --json` reports them (unixfs.proto numbering). */
export const LinkType = { Raw: 0, Directory: 1, File: 2, Metadata: 3, Symlink: 4, HAMTShard: 5 } as const

/** One directory entry, in Kubo's `ls` link shape. */
export interface LsLink {
  Name: string
  Hash: string
  /** File size in bytes (0 for directories), or the link's Tsize without `--size`. */
  Size: number
  /** unixfs.proto type number; -1 when not resolved. */
  Type: number
  Target: string
}

/** Options for {@link listDirectory}. */
export interface ListOptions {
  signal?: AbortSignal
  /** Read each child's root block for its file size (Kubo's `--size`, default on). */
  size?: boolean
  /** Read each child's root block for its type (Kubo's `--resolve-type`, default on). */
  resolveType?: boolean
}

const typeNumbers: Record<string, number> = {
  raw: LinkType.Raw,
  directory: LinkType.Directory,
  file: LinkType.File,
  metadata: LinkType.Metadata,
  symlink: LinkType.Symlink,
  'hamt-sharded-directory': LinkType.HAMTShard
}

/** How many child root blocks are read at once while listing. */
const childReadConcurrency = 32

/**
 * Lists a directory (plain or HAMT-sharded) from its own blocks, or a file's chunks. Children's content is
 * never read: a raw child is a file whose size is its link's Tsize; a dag-pb child costs
 * one block read (its root) for its type and size, and none when neither is asked for.
 */
export async function * listDirectory (node: CairnNode, path: ContentPath, options: ListOptions = {}): AsyncGenerator<LsLink, void, undefined> {
  const read = options.signal != null ? { signal: options.signal } : {}
  const entry = await resolveEntry(node, path, read)
  if (entry.type === 'object') throw new NotUnixfsError(`${formatContentPath(path)}: not UnixFS`)
  const wantSize = options.size !== false
  const wantType = options.resolveType !== false
  const blockOptions = exporterOptions(node, read)
  const describe = async (child: { cid: CID, name: string, size: bigint }): Promise<LsLink> => {
    const link: LsLink = { Name: child.name, Hash: child.cid.toString(), Size: Number(child.size), Type: -1, Target: '' }
    if (child.cid.code === raw.code) {
      link.Type = LinkType.File
      return link
    }
    if (!wantSize && !wantType) return link
    const unixfs = UnixFS.unmarshal(decodePb(await readWholeBlock(node.blocks, child.cid, blockOptions)).Data ?? new Uint8Array())
    link.Type = typeNumbers[unixfs.type] ?? -1
    if (wantSize) link.Size = unixfs.isDirectory() ? 0 : Number(unixfs.fileSize())
    if (unixfs.type === 'symlink' && unixfs.data != null) link.Target = new TextDecoder().decode(unixfs.data)
    return link
  }
  // like Kubo, a file lists the links of its root node (its chunks, unnamed); a single-block file has none
  const links = entry.type === 'directory'
    ? entry.entries(blockOptions)
    : fileLinks(entry.type === 'file' && entry.unixfs.type !== 'symlink' ? entry.node.Links : [])
  yield * translated(orderedMap(links, childReadConcurrency, describe), path)
}

async function * fileLinks (links: PBLink[]): AsyncGenerator<{ cid: CID, name: string, size: bigint }> {
  for (const link of links) yield { cid: link.Hash, name: link.Name ?? '', size: BigInt(link.Tsize ?? 0) }
}
