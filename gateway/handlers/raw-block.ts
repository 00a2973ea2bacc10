import { readBlock, type DagPathResolution } from '../../node/blocks.js'
import { readOptions, type ContentRequest } from '../content-request.js'
import { answeredNotModified, contentDisposition } from '../headers.js'
import { sendBlockBody, setNegotiatedHeaders } from './block-response.js'
import { sendPathRemainder } from './codec.js'
import type { ResponseFormat } from '../format.js'
import type { Request, Response } from 'express'

/**
 * `?format=raw` / `Accept: application/vnd.ipld.raw`: the bytes of one block, the one
 * at the end of the path (the trustless gateway asks only for `/ipfs/<cid>`; a path is
 * resolved as the path gateway does, `resolved` with its blocks allowed by the denylist).
 * `Content-Disposition: attachment` with `<cid>.bin` (or `?filename=`), Etag
 * `"<cid>.raw"`, `nosniff`, single ranges.
 */
export async function serveRawBlock (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat, resolved: DagPathResolution): Promise<void> {
  if (resolved.remainder.length > 0) {
    sendPathRemainder(res, ctx, resolved.terminal, resolved.remainder)
    return
  }
  const cid = resolved.terminal
  const etag = `"${cid.toString()}.raw"`
  setNegotiatedHeaders(req, res, ctx, format, { etag, roots: resolved.roots })
  if (answeredNotModified(req, res, etag)) return
  const bytes = await readBlock(ctx.node, cid, readOptions(ctx))
  res.setHeader('Content-Disposition', contentDisposition('attachment', ctx.filename ?? `${cid.toString()}.bin`))
  sendBlockBody(req, res, ctx, format.kind === 'default' ? 'application/vnd.ipld.raw' : format.mediaType, bytes)
}
