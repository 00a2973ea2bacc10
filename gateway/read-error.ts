import { BlockNotLocalError, NotCachedError, NotFoundError, TimeoutError } from '../node/errors.js'
import type { ContentRequest } from './content-request.js'
import type { ResponseFormat } from './format.js'

/**
 * The one translation of a failed content read into what the gateway answers, for an
 * online node, an offline one and `only-if-cached`:
 *
 * - the request's stall timer fired (`Gateway.RetrievalTimeout`): its ERR_TIMEOUT (504),
 *   whatever the read threw on the abort;
 * - a block not held, with `Cache-Control: only-if-cached`: 412;
 * - a block not held on an online node (so `Gateway.NoFetch`): 404;
 * - a block not held on an offline node: for block responses (raw, CAR, codecs, `format`
 *   given) 404, since a non-recursive gateway's dataset is what it holds (trustless
 *   gateway spec); for the deserialized response the 502 of ERR_BLOCK_NOT_LOCAL.
 *
 * `format` is undefined when the request failed before its format was known.
 */
export function gatewayReadError (err: unknown, ctx: ContentRequest, format: ResponseFormat | undefined): unknown {
  const { signal } = ctx.signal
  if (signal.aborted && signal.reason instanceof TimeoutError) return signal.reason
  if (!(err instanceof BlockNotLocalError)) return err
  const root = ctx.path.root.toString()
  if (ctx.onlyIfCached) return new NotCachedError(`${root}: a block is not in this node's blockstore (only-if-cached)`, { cause: err })
  if (ctx.node.online) return new NotFoundError(`${root}: not in this node's blockstore, and Gateway.NoFetch is set`, { cause: err })
  const what = `block not found locally and the node is offline (${err.offlineRead ?? root})`
  if (format != null && format.kind !== 'default') return new NotFoundError(`${what}: not held by this gateway`, { cause: err })
  return new BlockNotLocalError(what, { cause: err })
}
