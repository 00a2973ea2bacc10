import test from 'ava'
import { parseCid } from '../../node/content/content-path.js'
import { BlockNotLocalError, NotCachedError, NotFoundError, TimeoutError, UsageError } from '../../node/errors.js'
import { gatewayReadError } from '../../gateway/read-error.js'
import { statusFor } from '../../gateway/error-status.js'
import type { ContentRequest } from '../../gateway/content-request.js'
import type { ResponseFormat } from '../../gateway/format.js'

const root = parseCid('bafkqaaa')
const raw: ResponseFormat = { kind: 'raw', mediaType: 'application/vnd.ipld.raw', source: 'query', acceptsHtml: false }
const deserialized: ResponseFormat = { kind: 'default', source: 'none', acceptsHtml: false }

/** The parts of a request the translator reads. */
function request (options: { online: boolean, onlyIfCached?: boolean, signal?: AbortSignal }): ContentRequest {
  return {
    node: { online: options.online },
    path: { root, segments: [] },
    onlyIfCached: options.onlyIfCached ?? false,
    signal: { signal: options.signal ?? new AbortController().signal, progress () {}, done () {} }
  } as unknown as ContentRequest
}

const missing = (): BlockNotLocalError => BlockNotLocalError.offline(`/ipfs/${root.toString()}`, new Error('not here'))

test('a block not held: 412 with only-if-cached, 404 on an online node (Gateway.NoFetch), 404 for block responses and 502 for the deserialized one on an offline node', t => {
  const status = (ctx: ContentRequest, format: ResponseFormat | undefined): number => statusFor(gatewayReadError(missing(), ctx, format))
  t.is(status(request({ online: true, onlyIfCached: true }), deserialized), 412)
  t.is(status(request({ online: false, onlyIfCached: true }), raw), 412)
  t.true(gatewayReadError(missing(), request({ online: true, onlyIfCached: true }), raw) instanceof NotCachedError)
  t.is(status(request({ online: true }), deserialized), 404)
  t.is(status(request({ online: false }), raw), 404)
  t.regex((gatewayReadError(missing(), request({ online: false }), raw) as Error).message, /not held by this gateway$/)
  t.is(status(request({ online: false }), deserialized), 502)
  t.is(status(request({ online: false }), undefined), 502)
  // the CLI's hint is not part of a gateway answer
  t.false((gatewayReadError(missing(), request({ online: false }), deserialized) as Error).message.includes('start the daemon'))
})

test('the request timer firing turns whatever the read threw into its ERR_TIMEOUT; other errors pass through', t => {
  const controller = new AbortController()
  const reason = new TimeoutError('no data retrieved for 30s (Gateway.RetrievalTimeout)')
  controller.abort(reason)
  t.is(gatewayReadError(new Error('The operation was aborted'), request({ online: true, signal: controller.signal }), deserialized), reason)
  t.is(gatewayReadError(missing(), request({ online: true, signal: controller.signal }), raw), reason)
  const gone = new AbortController()
  gone.abort(new Error('client disconnected'))
  const other = new UsageError('bad')
  t.is(gatewayReadError(other, request({ online: true, signal: gone.signal }), raw), other)
  const notFound = new NotFoundError('no such path')
  t.is(gatewayReadError(notFound, request({ online: false }), raw), notFound)
})
