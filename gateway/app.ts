import express, { type NextFunction, type Request, type Response } from 'express'
import { parseDuration } from '../config/duration.js'
import { resolvePath } from '../node/content/resolve.js'
import { InvalidPathError, NotCachedError, NotFoundError, NotUnixfsError } from '../node/errors.js'
import { hasBlock } from '../node/blocks.js'
import { parseUrlPath, readOptions, type ContentRequest, type NamedRequest } from './content-request.js'
import { serveIpns, subdomainName, subdomainNameUrl } from './ipns-route.js'
import { sendError } from './error-status.js'
import { setCorsHeaders } from './headers.js'
import { requestSignal } from './request-signal.js'
import { isSubdomainGateway, parseSubdomainHost, splitHost, subdomainLabel, subdomainUrl } from './subdomain.js'
import { serveUnixfsDir } from './handlers/unixfs-dir.js'
import { serveUnixfsFile } from './handlers/unixfs-file.js'
import { negotiateFormat, type ResponseFormat } from './format.js'
import { serveCodec } from './handlers/codec.js'
import { serveNegotiated } from './handlers/negotiated.js'
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
  const at = req.originalUrl.indexOf('?')
  const rawPath = at < 0 ? req.originalUrl : req.originalUrl.slice(0, at)
  const search = at < 0 ? '' : req.originalUrl.slice(at)
  const url = { search, searchParams: new URLSearchParams(search) }
  const host = req.get('Host')
  const subdomain = parseSubdomainHost(node.config, host)
  if (subdomain != null) {
    if (subdomain.namespace === 'ipns') {
      await serveIpns(node, req, res, subdomainName(subdomain.id), rawPath === '/' ? '' : rawPath, async (parsed, name) => {
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
      await serveIpns(node, req, res, nameText, rest.length > 0 ? `/${rest.join('/')}` : '', async (parsed, name) => {
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

function protocolOf (req: Request): string {
  const forwarded = req.get('X-Forwarded-Proto')
  return forwarded === 'https' ? 'https' : 'http'
}

async function serveContent (node: CairnNode, req: Request, res: Response, parsed: ReturnType<typeof parseUrlPath>, url: { search: string, searchParams: URLSearchParams }, subdomain: boolean, name?: NamedRequest): Promise<void> {
  const denylist = node.denylist
  const onlyIfCached = /(^|,)\s*only-if-cached\s*(,|$)/i.test(req.get('Cache-Control') ?? '')
  const ctx: ContentRequest = {
    node,
    denylist,
    path: { root: parsed.root, segments: parsed.segments },
    rootText: parsed.rootText,
    encodedRest: parsed.encodedRest,
    trailingSlash: parsed.trailingSlash,
    query: url.searchParams,
    search: url.search,
    subdomain,
    // Gateway.NoFetch (as in Kubo): serve only what is already in the blockstore
    offline: !node.online || onlyIfCached || node.config.Gateway.NoFetch,
    head: req.method === 'HEAD',
    signal: requestSignal(res, parseDuration(node.config.Gateway.RetrievalTimeout)),
    ...(name != null ? { name } : {})
  }
  try {
    await denylist.assertAllowed(parsed.root, parsed.segments)
    if (onlyIfCached && !(await hasBlock(node, parsed.root))) {
      throw new NotCachedError(`${parsed.root.toString()} is not in this node's blockstore (only-if-cached)`)
    }
    // trustless and codec responses (raw block, CAR, dag-json/dag-cbor/json/cbor)
    const format = negotiateFormat(req)
    if (await serveNegotiated(req, res, ctx, format)) return
    await serveDeserialized(req, res, ctx, format)
  } catch (err) {
    throw explain(err, ctx, onlyIfCached)
  } finally {
    if (!res.writable || res.writableEnded) ctx.signal.done()
  }
}

/** The path gateway's own response: UnixFS files and directories. */
async function serveDeserialized (req: Request, res: Response, ctx: ContentRequest, format: ResponseFormat): Promise<void> {
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
      await serveUnixfsFile(req, res, ctx, target)
      return
    default:
      // dag-json, dag-cbor, json and cbor blocks are served as documents
      if (entry.type === 'object' && await serveCodec(req, res, ctx, format)) return
      throw new NotUnixfsError(`${entry.cid.toString()} is ${entry.type === 'object' ? 'a codec without a UnixFS form' : 'not UnixFS'}; ask for ?format=raw or ?format=car`)
  }
}

/** Errors raised because the client went away or the retrieval stalled carry the signal's reason. */
function explain (err: unknown, ctx: ContentRequest, onlyIfCached: boolean): unknown {
  const { signal } = ctx.signal
  if (signal.aborted && signal.reason instanceof Error && (signal.reason as { code?: string }).code === 'ERR_TIMEOUT') {
    return signal.reason
  }
  if (ctx.node.online && (err as { code?: string }).code === 'ERR_BLOCK_NOT_LOCAL') {
    if (onlyIfCached) {
      return new NotCachedError(`${ctx.path.root.toString()}: a block is not in this node's blockstore (only-if-cached)`, { cause: err })
    }
    return new NotFoundError(`${ctx.path.root.toString()}: not in this node's blockstore, and Gateway.NoFetch is set`, { cause: err })
  }
  return err
}
