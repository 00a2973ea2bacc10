import * as z from 'zod'
import { multiaddr } from '@multiformats/multiaddr'
import { parseCid } from '../../node/content/content-path.js'
import { UsageError } from '../../node/errors.js'
import { pinStates, type PinObject } from '../../node/pinning/requests.js'
import type { PinQuery } from '../../node/pinning/service.js'

const cid = z.string().superRefine((text, ctx) => {
  try {
    parseCid(text)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
  }
})

const origin = z.string().superRefine((text, ctx) => {
  try {
    if (!multiaddr(text).getComponents().some(c => c.name === 'p2p')) ctx.addIssue({ code: 'custom', message: `origin ${text} does not end with /p2p/<peer id>` })
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `origin ${text} is not a multiaddr: ${(err as Error).message}` })
  }
})

const meta = z.record(z.string(), z.string())

/** The spec's `Pin` object in a request body. */
const pinSchema = z.object({
  cid,
  name: z.string().max(255).optional(),
  origins: z.array(origin).max(20).optional(),
  meta: meta.optional()
})

/** A comma-separated query value (the spec's `explode: false` arrays). */
const commaList = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z.string().transform(text => text.split(',')).pipe(z.array(item).min(1).max(max))

const date = z.iso.datetime({ offset: true }).transform(text => new Date(text))

/** The spec's `GET /pins` query: one value per name (a repeated name is a bad request). */
const querySchema = z.object({
  cid: commaList(cid, 10).optional(),
  name: z.string().max(255).optional(),
  match: z.enum(['exact', 'iexact', 'partial', 'ipartial']).optional(),
  status: commaList(z.enum(pinStates), pinStates.length).optional(),
  before: date.optional(),
  after: date.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  meta: z.string().transform((text, ctx) => {
    try {
      return meta.parse(JSON.parse(text))
    } catch {
      ctx.addIssue({ code: 'custom', message: 'meta must be a JSON object of strings' })
      return z.NEVER
    }
  }).optional()
})

/** Parses with `schema`, turning the first issue into an ERR_USAGE that names its field. */
function parse<T extends z.ZodType> (schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue?.path.join('.') ?? ''
  throw new UsageError(`${what}${where !== '' ? ` field ${where}` : ''}: ${issue?.message ?? 'invalid'}`)
}

/** A `Pin` from a request body, or ERR_USAGE (400) naming what is wrong. */
export function readPin (body: unknown): PinObject {
  const pin = parse(pinSchema, body, 'pin')
  return {
    cid: pin.cid,
    ...(pin.name != null ? { name: pin.name } : {}),
    ...(pin.origins != null ? { origins: pin.origins } : {}),
    ...(pin.meta != null ? { meta: pin.meta } : {})
  }
}

/** The filters of `GET /pins` from its query, or ERR_USAGE (400). */
export function readQuery (query: unknown): PinQuery {
  const q = parse(querySchema, query, 'query')
  const out: PinQuery = { limit: q.limit }
  if (q.cid != null) out.cid = q.cid
  if (q.name != null) out.name = q.name
  if (q.match != null) out.match = q.match
  if (q.status != null) out.status = q.status
  if (q.before != null) out.before = q.before
  if (q.after != null) out.after = q.after
  if (q.meta != null) out.meta = q.meta
  return out
}
