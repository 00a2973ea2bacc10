import { resolveDagPath, type DagPathResolution } from '../../node/blocks.js'
import { resolvePath } from '../../node/content/resolve.js'
import { DAG_PB, RAW } from '../../node/dag/codecs.js'
import { NotAcceptableError, NotUnixfsError } from '../../node/errors.js'
import { readOptions, type ContentRequest } from '../content-request.js'
import { serveCar } from './car.js'
import { documentCodecs, sendPathRemainder, serveDocument, type DocumentFormat } from './codec.js'
import { serveRawBlock } from './raw-block.js'
import { serveUnixfsDir } from './unixfs-dir.js'
import { serveUnixfsFile } from './unixfs-file.js'
import type { ResponseFormat } from '../format.js'
import type { Request, Response } from 'express'

/**
 * The one place the response to `/ipfs/<cid>[/path]` is chosen, from the negotiated
 * format (see `negotiateFormat`) and what the path ends at:
 *
 * - `raw`, `car`: the trustless responses; `tar`, `ipns-record`: 406;
 * - the default format on a dag-pb or raw root: the UnixFS file or directory;
 * - `dag-json`, `dag-cbor`, `json`, `cbor`, and the default format on a document root:
 *   the path is resolved as IPLD; a document at its end is served as one, a path that
 *   ends inside a document is a 501, and a UnixFS end gets the default response for
 *   the default format and for `json`/`cbor` (a no-op on UnixFS, per the spec).
 */
export async function serveFormat (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat): Promise<void> {
  switch (format.kind) {
    case 'raw':
      await serveRawBlock(req, res, ctx, format, await resolveAllowed(ctx))
      return
    case 'car':
      await serveCar(req, res, ctx, format)
      return
    case 'tar':
    case 'ipns-record':
      throw new NotAcceptableError(`format ${format.kind} is not served by this gateway`)
    case 'default':
      if (!documentCodecs.has(ctx.path.root.code)) {
        await serveUnixfs(req, res, ctx, format)
        return
      }
  }
  await serveIpld(req, res, ctx, format)
}

/** A path resolved as IPLD (through documents and UnixFS directories alike). */
async function serveIpld (req: Request, res: Response, ctx: ContentRequest, format: DocumentFormat): Promise<void> {
  const resolved = await resolveAllowed(ctx)
  const cid = resolved.terminal
  if ((cid.code === DAG_PB || cid.code === RAW) && (format.kind === 'default' || format.kind === 'json' || format.kind === 'cbor')) {
    await serveUnixfs(req, res, ctx, format)
    return
  }
  if (resolved.remainder.length > 0) {
    sendPathRemainder(res, ctx, cid, resolved.remainder)
    return
  }
  if (format.kind === 'default' && !documentCodecs.has(cid.code)) {
    throw new NotUnixfsError(`${cid.toString()} is not UnixFS or a document codec; ask for ?format=raw or ?format=car`)
  }
  await serveDocument(req, res, ctx, format, resolved)
}

/** The path resolved as IPLD, with every block on the way checked against the denylist. */
async function resolveAllowed (ctx: ContentRequest): Promise<DagPathResolution> {
  const resolved = await resolveDagPath(ctx.node, ctx.path.root, ctx.path.segments, readOptions(ctx))
  for (const step of [...resolved.via, resolved.terminal]) await ctx.denylist.assertAllowed(step)
  return resolved
}

/** The path gateway's deserialized response: a UnixFS file or directory. */
async function serveUnixfs (req: Request, res: Response, ctx: ContentRequest, format: DocumentFormat): Promise<void> {
  const resolved = await resolvePath(ctx.node, ctx.path, readOptions(ctx))
  for (const [i, cid] of resolved.roots.entries()) {
    await ctx.denylist.assertAllowed(cid, ctx.path.segments.slice(i))
  }
  await ctx.denylist.assertAllowed(resolved.entry.cid)
  const target = { cid: resolved.entry.cid, roots: resolved.roots }
  const entry = resolved.entry
  switch (entry.type) {
    case 'directory':
      await serveUnixfsDir(req, res, ctx, target, entry)
      return
    case 'file':
    case 'raw':
    case 'identity':
      await serveUnixfsFile(req, res, ctx, { entry, roots: resolved.roots })
      return
    case 'object':
      // a dag-json/dag-cbor/json/cbor document linked from a UnixFS directory
      await serveIpld(req, res, ctx, format)
      return
    default:
      throw new NotUnixfsError(`${target.cid.toString()} is not UnixFS; ask for ?format=raw or ?format=car`)
  }
}
