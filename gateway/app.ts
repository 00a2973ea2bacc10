import express, { type NextFunction, type Request, type Response } from 'express'
import { parseDuration } from '../config/duration.js'
import { InvalidPathError, NotCachedError } from '../node/errors.js'
import { hasBlock } from '../node/blocks.js'
import { dispositionQuery, parseUrlPath, splitQuery, type ContentRequest, type NamedRequest } from './content-request.js'
import { serveIpns, subdomainName, subdomainNameUrl } from './ipns-route.js'
import { sendError } from './error-status.js'
import { setCorsHeaders } from './headers.js'
import { requestSignal } from './request-signal.js'
import { isSubdomainGateway, parseSubdomainHost, splitHost, subdomainLabel, subdomainUrl } from './subdomain.js'
import { negotiateFormat, type ResponseFormat } from './format.js'
import { serveFormat } from './handlers/respond.js'
import { gatewayReadError } from './read-error.js'
import type { CairnNode } from '../node/node.js'

/** The methods a read-only gateway answers. */
const allowedMethods = 'GET, HEAD, OPTIONS'

/**
 * The public, read-only gateway as an Express app: the path gateway
 * (`/ipfs/<cid>[/path]`, `/ipns/<name>[/path]`), the subdomain gateway
 * (`<cid>.ipfs.<host>`, `<name>.ipns.<host>`), and — through
 * `negotiateFormat` — the trustless responses. Listens nowhere; see `startGateway`.
 */
export function createGatewayApp (node: CairnNode): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')

  app.use((req, res, next) => {
    setCorsHeaders(res)
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allowedMethods)
      res.status(204).end()
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', allowedMethods)
      res.status(405).type('text/plain').send(`405 method ${req.method} not allowed: this gateway is read-only\n`)
      return
    }
    next()
  })

  app.use((req, res, next) => {
    handleRequest(node, req, res).catch(err => {
      sendError(res, err)
    }).finally(() => {
      if (!res.headersSent) next()
    })
  })

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('404 not found\n')
  })
  // Express's own error handler would print the stack: answer with the short form instead
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, err)
  })
  return app
}

async function handleRequest (node: CairnNode, req: Request, res: Response): Promise<void> {
  // the raw request target: the path stays percent-encoded until parseUrlPath decodes it
  const url = splitQuery(req.originalUrl)
  const rawPath = req.originalUrl.slice(0, req.originalUrl.length - url.search.length)
  const host = req.get('Host')
  const subdomain = parseSubdomainHost(node.config, host)
  if (subdomain != null) {
    if (subdomain.namespace === 'ipns') {
      await serveIpns(node, req, res, url.params, subdomainName(subdomain.id), rawPath === '/' ? '' : rawPath, async (parsed, name) => {
        await serveContent(node, req, res, parsed, url, true, name)
      })
      return
    }
    const parsed = parseUrlPath(`${subdomain.id}${rawPath}`)
    const label = subdomainLabel(parsed.root)
    if (label !== subdomain.id) {
      // a CID that is not in its DNS-safe form (CIDv1 base32): send the client there
      res.redirect(301, subdomainUrl(protocolOf(req), subdomain.gatewayHost, parsed.root, rawPath === '/' ? '' : rawPath, url.search))
      return
    }
    await serveContent(node, req, res, parsed, url, true)
    return
  }
  if (!rawPath.startsWith('/ipfs/')) {
    if (rawPath === '/ipfs') throw new InvalidPathError('invalid path: no CID after /ipfs/')
    if (rawPath.startsWith('/ipns/')) {
      const [nameText = '', ...rest] = rawPath.slice('/ipns/'.length).split('/')
      if (host != null && isSubdomainGateway(node.config, splitHost(host).hostname)) {
        // as for /ipfs/: the name gets its own origin, `<name>.ipns.<host>`
        res.redirect(301, subdomainNameUrl(protocolOf(req), host, nameText, rest.length > 0 ? `/${rest.join('/')}` : '', url.search))
        return
      }
      await serveIpns(node, req, res, url.params, nameText, rest.length > 0 ? `/${rest.join('/')}` : '', async (parsed, name) => {
        await serveContent(node, req, res, parsed, url, false, name)
      })
    }
    return
  }
  const parsed = parseUrlPath(rawPath.slice('/ipfs/'.length))
  if (host != null && isSubdomainGateway(node.config, splitHost(host).hostname)) {
    const rest = rawPath.slice('/ipfs/'.length + parsed.rootText.length)
    res.redirect(301, subdomainUrl(protocolOf(req), host, parsed.root, rest, url.search))
    return
  }
  await serveContent(node, req, res, parsed, url, false)
}

let retrievalTimeout = { text: '', ms: 0 }

/** `Gateway.RetrievalTimeout` in ms, parsed again only when its text changes (not on every request). */
function retrievalTimeoutMs (text: string): number {
  if (retrievalTimeout.text !== text) retrievalTimeout = { text, ms: parseDuration(text) }
  return retrievalTimeout.ms
}

function protocolOf (req: Request): string {
  const forwarded = req.get('X-Forwarded-Proto')
  return forwarded === 'https' ? 'https' : 'http'
}

async function serveContent (node: CairnNode, req: Request, res: Response, parsed: ReturnType<typeof parseUrlPath>, url: { search: string, params: URLSearchParams }, subdomain: boolean, name?: NamedRequest): Promise<void> {
  const denylist = node.denylist
  const onlyIfCached = /(^|,)\s*only-if-cached\s*(,|$)/i.test(req.get('Cache-Control') ?? '')
  const ctx: ContentRequest = {
    node,
    denylist,
    path: { root: parsed.root, segments: parsed.segments },
    rootText: parsed.rootText,
    encodedRest: parsed.encodedRest,
    trailingSlash: parsed.trailingSlash,
    query: url.params,
    search: url.search,
    ...dispositionQuery(url.params),
    subdomain,
    // Gateway.NoFetch (as in Kubo): serve only what is already in the blockstore
    offline: !node.online || onlyIfCached || node.config.Gateway.NoFetch,
    onlyIfCached,
    head: req.method === 'HEAD',
    signal: requestSignal(res, retrievalTimeoutMs(node.config.Gateway.RetrievalTimeout)),
    ...(name != null ? { name } : {})
  }
  let format: ResponseFormat | undefined
  try {
    await denylist.assertAllowed(parsed.root, parsed.segments)
    if (onlyIfCached && !(await hasBlock(node, parsed.root))) {
      throw new NotCachedError(`${parsed.root.toString()} is not in this node's blockstore (only-if-cached)`)
    }
    format = negotiateFormat(req, url.params)
    await serveFormat(req, res, ctx, format)
  } catch (err) {
    throw gatewayReadError(err, ctx, format)
  } finally {
    if (!res.writable || res.writableEnded) ctx.signal.done()
  }
}
