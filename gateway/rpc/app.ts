import express, { type Request, type Response } from 'express'
import { commands, findCommand } from '../../node/commands/index.js'
import { ClientGoneError, ForbiddenError, NotFoundError, TimeoutError, UsageError } from '../../node/errors.js'
import { accessCheck } from './auth.js'
import { readCall } from './call.js'
import { isMultipart, multipartInputs } from './multipart-inputs.js'
import { bytesHeaders, ndjsonChunks, sendError, streamResponse, treeHeaders, valuesHeaders } from './stream-response.js'
import { tarChunks, tarRootName } from './tar-response.js'
import type { Command, CommandCall, TreeEntry } from '../../node/commands/command.js'
import type { CairnNode } from '../../node/node.js'

/** Where the API lives, as in Kubo. */
export const apiPrefix = '/api/v0'

/**
 * The Kubo-compatible RPC API as an Express app, generated from the command table:
 * `POST /api/v0/<command words>` runs the command with Kubo's argument conventions
 * (see {@link readCall}), file arguments as a multipart body, and answers NDJSON
 * (values), a byte stream (bytes) or a tar stream (tree). Unknown endpoints are 404,
 * other methods 405, refused credentials or browser origins 403, all with Kubo's JSON
 * error shape. A client that disconnects aborts the command.
 */
export function createRpcApp (node: CairnNode, table: readonly Command[] = commands): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  const checkAccess = accessCheck(node.config.API.Authorizations)

  app.use(apiPrefix, (req, res) => {
    const refusal = browserRefusal(req) ?? checkAccess(req.headers.authorization, apiPrefix + req.path)
    if (refusal != null) {
      sendError(res, refusal)
      return
    }
    const words = req.path.split('/').filter(w => w !== '')
    const command = findCommand(words, table)
    if (command == null) {
      sendError(res, new NotFoundError(`404 page not found: no RPC endpoint ${apiPrefix}/${words.join('/')}`), 404)
      return
    }
    if (req.method !== 'POST') {
      res.set('Allow', 'OPTIONS, POST')
      if (req.method === 'OPTIONS') {
        res.status(200).end()
        return
      }
      sendError(res, new UsageError(`method ${req.method} not allowed: use POST`), 405)
      return
    }
    runCommand(node, command, req, res).catch(err => {
      if (!res.headersSent) sendError(res, err)
      else res.destroy()
    })
  })

  app.use((req, res) => {
    sendError(res, new NotFoundError(`404 page not found: ${req.path}`), 404)
  })
  return app
}

/**
 * Like Kubo, refuse requests from web pages: an `Origin` header (no origins are
 * allowed), or a browser User-Agent without one. This keeps a malicious page from
 * driving the admin API of a node on localhost.
 */
function browserRefusal (req: Request): ForbiddenError | undefined {
  if (req.headers.origin != null) return new ForbiddenError(`origin ${req.headers.origin} is not allowed to use the RPC API`)
  if (/^Mozilla\//.test(req.headers['user-agent'] ?? '')) return new ForbiddenError('browsers may not use the RPC API without an allowed Origin')
  return undefined
}

async function runCommand (node: CairnNode, command: Command, req: Request, res: Response): Promise<void> {
  const controller = new AbortController()
  const { signal } = controller
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new ClientGoneError('the client closed the connection'))
  })
  let timer: NodeJS.Timeout | undefined
  try {
    const { call, timeoutMs } = readCall(command, new URL(req.originalUrl, 'http://rpc').searchParams)
    if (timeoutMs != null) {
      timer = setTimeout(() => controller.abort(new TimeoutError(`request timed out after ${timeoutMs}ms`)), timeoutMs)
    }
    attachInputs(command, call, req, res, signal)
    const results = guard(command.run({ node, signal }, call), signal)
    if (command.output === 'values') {
      await streamResponse(res, ndjsonChunks(results), valuesHeaders, signal)
    } else if (command.output === 'bytes') {
      await streamResponse(res, results as AsyncIterable<Uint8Array>, bytesHeaders, signal)
    } else {
      const root = tarRootName(call.args[0])
      await streamResponse(res, tarChunks(results as AsyncIterable<TreeEntry>, root), treeHeaders, signal)
    }
  } finally {
    clearTimeout(timer)
    finishUpload(req, res)
  }
}

/** Gives a command with a `file` argument its inputs from the multipart body. */
function attachInputs (command: Command, call: CommandCall, req: Request, res: Response, signal: AbortSignal): void {
  const fileArg = command.args.find(a => a.kind === 'file')
  if (fileArg == null) return
  if (!isMultipart(req)) {
    throw new UsageError(`argument "${fileArg.name}" is required: send it as a multipart/form-data body`)
  }
  // the answer may start before the upload ends: close the connection afterwards, as Kubo does
  res.set('Connection', 'close')
  call.inputs = multipartInputs(req, signal)
}

/** After the answer, discard whatever the client is still uploading so the socket can close. */
function finishUpload (req: Request, res: Response): void {
  if (req.complete) return
  const discard = (): void => {
    req.unpipe()
    req.resume()
  }
  if (res.writableFinished) discard()
  else res.once('finish', discard)
}

/** Ends a command's output with the abort reason (a timeout) rather than a generic abort error. */
async function * guard<T> (results: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    yield * results
  } catch (err) {
    throw signal.aborted ? signal.reason : err
  }
}
