import express, { type NextFunction, type Request, type Response } from 'express'
import { ForbiddenError, NotFoundError, isCairnError } from '../../node/errors.js'
import { readPin, readQuery } from './schemas.js'
import type { PinningService } from '../../node/pinning/service.js'
import type { PinRequest } from '../../node/pinning/requests.js'

/** The spec's `PinStatus` as sent. */
interface PinStatusBody {
  requestid: string
  status: string
  created: string
  pin: PinRequest['pin']
  delegates: string[]
  info?: Record<string, string>
}

/** Cairn error codes → the spec's status and `error.reason`; anything else is a 500. */
const failures: Readonly<Record<string, [number, string]>> = {
  ERR_USAGE: [400, 'BAD_REQUEST'],
  ERR_INVALID_CID: [400, 'BAD_REQUEST'],
  ERR_FORBIDDEN: [401, 'UNAUTHORIZED'],
  ERR_NOT_FOUND: [404, 'NOT_FOUND']
}

/** Answers an error with the spec's `Failure` object: `{ error: { reason, details } }`. */
function sendFailure (res: Response, err: unknown): void {
  let [status, reason] = isCairnError(err) ? failures[err.code] ?? [500, 'INTERNAL_SERVER_ERROR'] : [500, 'INTERNAL_SERVER_ERROR']
  // body-parser's own errors (bad JSON, too large) carry a 4xx status
  const own = (err as { status?: unknown }).status
  if (!isCairnError(err) && typeof own === 'number' && own >= 400 && own < 500) [status, reason] = [400, 'BAD_REQUEST']
  const details = status === 500 ? 'internal server error' : ((err as Error).message.split('\n')[0] ?? '')
  if (status === 401) res.set('WWW-Authenticate', 'Bearer')
  res.status(status).json({ error: { reason, details } })
}

/**
 * The IPFS Pinning Service API (spec v1.0.0) over a {@link PinningService}: `GET/POST
 * /pins`, `GET/POST/DELETE /pins/{requestid}`, each with a bearer token made by `cairn
 * pinning token create`. A token sees only its own requests (another's are 404).
 */
export function createPinningApp (service: PinningService): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)

  app.use((req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (match == null) {
      sendFailure(res, new ForbiddenError('an access token is required: Authorization: Bearer <token>'))
      return
    }
    service.tokens.verify(match[1] as string).then(token => {
      if (token == null) throw new ForbiddenError('the access token is not valid')
      res.locals.owner = token.Id
      next()
    }).catch(err => { sendFailure(res, err) })
  })
  app.use(express.json({ limit: '256kb', type: () => true }))

  const statusOf = (request: PinRequest): PinStatusBody => ({
    requestid: request.requestid,
    status: request.status,
    created: request.created,
    pin: request.pin,
    delegates: service.delegates(),
    ...(request.info != null ? { info: request.info } : {})
  })
  const owner = (res: Response): string => res.locals.owner as string
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next)
  }

  app.get('/pins', handle(async (req, res) => {
    const { count, results } = await service.list(owner(res), readQuery(req.query))
    res.json({ count, results: results.map(statusOf) })
  }))
  app.post('/pins', handle(async (req, res) => {
    res.status(202).json(statusOf(await service.add(owner(res), readPin(req.body))))
  }))
  app.get('/pins/:requestid', handle(async (req, res) => {
    res.json(statusOf(await service.get(owner(res), req.params.requestid as string)))
  }))
  app.post('/pins/:requestid', handle(async (req, res) => {
    res.status(202).json(statusOf(await service.replace(owner(res), req.params.requestid as string, readPin(req.body))))
  }))
  app.delete('/pins/:requestid', handle(async (req, res) => {
    await service.remove(owner(res), req.params.requestid as string)
    res.status(202).end()
  }))
  app.use((req, _res, next) => { next(new NotFoundError(`no endpoint ${req.method} ${req.path}`)) })
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => { sendFailure(res, err) })
  return app
}
