import { BlockNotLocalError, NotAcceptableError, NotFoundError } from '../../node/errors.js'
import { serveCar } from './car.js'
import { documentCodecs, serveCodec } from './codec.js'
import { serveRawBlock } from './raw-block.js'
import type { ContentRequest } from '../content-request.js'
import type { ResponseFormat } from '../format.js'
import type { Request, Response } from 'express'

/**
 * Answers a request whose format was negotiated (see `negotiateFormat`): raw block,
 * CAR, dag-json/dag-cbor/json/cbor. Returns false, having sent nothing, when the
 * default deserialized response should answer instead: no explicit format, or
 * `json`/`cbor` asked of UnixFS data (a no-op per the spec). For the default format on
 * a document block reached through UnixFS (the exporter's `object` entries), call
 * `serveCodec` directly.
 */
export async function serveNegotiated (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat): Promise<boolean> {
  try {
    return await dispatch(req, res, ctx, format)
  } catch (err) {
    // a node without network is a non-recursive gateway: a block it does not hold is
    // not part of its dataset, which the trustless spec answers with 404
    if (!ctx.node.online && err instanceof BlockNotLocalError) {
      const what = err.offlineRead != null ? `block not found locally and the node is offline (${err.offlineRead})` : err.message
      throw new NotFoundError(`${what}: not held by this gateway`, { cause: err })
    }
    throw err
  }
}

async function dispatch (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat): Promise<boolean> {
  switch (format.kind) {
    case 'default':
      // a dag-json/dag-cbor/json/cbor root: resolve the path as IPLD (a missing key is a
      // 404, a path ending inside the document a 501); a UnixFS end falls through
      if (documentCodecs.has(ctx.path.root.code)) return await serveCodec(req, res, ctx, format)
      return false
    case 'raw':
      await serveRawBlock(req, res, ctx, format)
      return true
    case 'car':
      await serveCar(req, res, ctx, format)
      return true
    case 'tar':
    case 'ipns-record':
      throw new NotAcceptableError(`format ${format.kind} is not served by this gateway`)
    default:
      return await serveCodec(req, res, ctx, format)
  }
}
