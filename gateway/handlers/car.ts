import { createHash } from 'node:crypto'
import { exportCar, type DagScope, type EntityBytes } from '../../node/car/car-export.js'
import { UsageError } from '../../node/errors.js'
import { readOptions, type ContentRequest } from '../content-request.js'
import { carContentType, type ResponseFormat } from '../format.js'
import { answeredNotModified, contentDisposition } from '../headers.js'
import { streamBody } from '../stream-body.js'
import { setNegotiatedHeaders } from './block-response.js'
import type { Request, Response } from 'express'

/** The IPIP-402 query parameters of a CAR request. */
export interface CarQuery {
  dagScope: DagScope
  entityBytes?: EntityBytes
}

/**
 * Parses `dag-scope` (`all` by default) and `entity-bytes=from:to` (integers, negative
 * from the end, `to` may be `*`; implies `entity`). Bad values are a {@link UsageError}
 * (400), as is a range whose ends are in the wrong order when that is known upfront.
 */
export function parseCarQuery (query: URLSearchParams): CarQuery {
  const scope = query.get('dag-scope')
  if (scope != null && scope !== 'all' && scope !== 'entity' && scope !== 'block') {
    throw new UsageError(`unsupported dag-scope "${scope.slice(0, 20)}": block, entity or all`)
  }
  const bytes = query.get('entity-bytes')
  if (bytes == null) return { dagScope: scope ?? 'all' }
  const match = /^(-?\d{1,16}):(-?\d{1,16}|\*)$/.exec(bytes)
  if (match == null) throw new UsageError(`invalid entity-bytes "${bytes.slice(0, 40)}": expected from:to (integers, to may be *)`)
  const from = Number(match[1])
  const to = match[2] === '*' ? '*' : Number(match[2])
  if (to !== '*' && Math.sign(from) === Math.sign(to) && from > to) {
    throw new UsageError(`invalid entity-bytes "${bytes}": from is after to`)
  }
  return { dagScope: 'entity', entityBytes: { from, to } }
}

/**
 * `?format=car` / `Accept: application/vnd.ipld.car`: a CARv1 stream of the blocks that
 * resolve the path, then the DAG below it by `dag-scope` / `entity-bytes`, depth-first,
 * with or without duplicates as negotiated. The path and the root block are resolved
 * before any header goes out (so a missing path is a 404, a missing root block the
 * gateway's retrieval error); a block missing later cuts the stream (the client sees a
 * truncated body, never a CAR that looks complete).
 */
export async function serveCar (req: Request, res: Response, ctx: ContentRequest, format: Extract<ResponseFormat, { kind: 'car' }>): Promise<void> {
  const carQuery = parseCarQuery(ctx.query)
  const { dagScope, entityBytes } = carQuery
  const root = ctx.path.root
  const etag = carEtag(ctx, format, carQuery)
  setNegotiatedHeaders(req, res, ctx, format, { etag })
  if (answeredNotModified(req, res, etag)) return

  const blocks = exportCar(ctx.node, root, {
    ...readOptions(ctx),
    path: ctx.path.segments,
    dagScope,
    ...(entityBytes != null ? { entityBytes } : {}),
    order: format.car.order,
    dups: format.car.dups,
    refuse: async cid => { await ctx.denylist.assertAllowed(cid) }
  })[Symbol.asyncIterator]()
  // the first chunk (the header) comes only after the path and its end block were found
  const first = await blocks.next()

  const last = ctx.path.segments.at(-1)
  const name = ctx.filename ?? `${root.toString()}${last != null ? `_${last}` : ''}.car`
  res.setHeader('Content-Disposition', contentDisposition('attachment', name))
  res.setHeader('Content-Type', carContentType(format.car))
  // a CAR is streamed as it is walked: no byte ranges over it
  res.setHeader('Accept-Ranges', 'none')
  res.status(200)
  if (ctx.head) {
    ctx.signal.done()
    await blocks.return?.()
    res.end()
    return
  }
  async function * body (): AsyncGenerator<Uint8Array> {
    if (first.done !== true) yield first.value
    while (true) {
      const next = await blocks.next()
      if (next.done === true) return
      yield next.value
    }
  }
  await streamBody(res, body(), ctx.signal)
}

/**
 * A weak Etag for a CAR (its bytes depend on the walk): the root CID plus a hash of
 * everything that changes the stream (path, scope, byte range, order, duplicates).
 */
export function carEtag (ctx: ContentRequest, format: Extract<ResponseFormat, { kind: 'car' }>, query: CarQuery): string {
  const variant = [
    ctx.encodedRest,
    query.dagScope,
    query.entityBytes != null ? `${query.entityBytes.from}:${query.entityBytes.to}` : '',
    format.car.order,
    format.car.dups ? 'y' : 'n'
  ].join('\n')
  const hash = createHash('sha256').update(variant).digest('hex').slice(0, 16)
  return `W/"${ctx.path.root.toString()}.car.${hash}"`
}
