import { createRequire } from 'node:module'
import type * as Http from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import * as errors from '../node/errors.js'
import { ApiUnreachableError, CairnError, ForbiddenError } from '../node/errors.js'
import { multipartBody } from './multipart-body.js'
import type { Command, CommandCall } from '../node/commands/command.js'
import type { Transport } from './transport.js'

// required, not imported: an ES import of node:http reads every export, and on Node 22+
// its lazy WebSocket getters then load the whole fetch stack (57 ms of a 140 ms call
// through the daemon on Node 24)
const { request, Agent } = createRequire(import.meta.url)('node:http') as typeof Http

/** Where a daemon's RPC API is and how to authenticate to it. */
export interface RpcEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:5001`. */
  url: string
  /** `Authorization` header value, when the API wants one. */
  authorization?: string
}

/**
 * Runs commands through a daemon's RPC API. Each call yields exactly what the command's
 * `run` yields in-process: the NDJSON values parsed back, the raw byte chunks, or the
 * tree entries read back from the tar stream, so CLI output is the same online and
 * offline. File inputs are uploaded as a streamed multipart body. Errors come back as
 * the same typed errors (from the `CairnCode` of Kubo's JSON error, or the
 * `X-Stream-Error-Code` trailer). Aborting `signal` (e.g. `--timeout`) cancels the request.
 */
export function openRpcTransport (endpoint: RpcEndpoint, connected?: Socket): Transport {
  const agent = new Agent({ keepAlive: true })
  // a connection already open to the daemon (the CLI's check that it listens) carries the first request
  let first = connected
  const connect = agent.createConnection.bind(agent)
  agent.createConnection = (options, callback) => {
    const socket = first ?? connect(options, callback)
    first = undefined
    return socket
  }
  return {
    invoke (command, call, signal) {
      return invoke(endpoint, agent, command, call, signal)
    },
    async close () {
      first?.destroy()
      agent.destroy()
    }
  }
}

/** The request URL of a call: `arg` per (non-file) argument, options under their names. */
export function callUrl (base: string, command: Command, call: CommandCall): URL {
  const url = new URL(`/api/v0/${command.path.map(encodeURIComponent).join('/')}`, base)
  // the arguments before the first file argument; the files go in the multipart body
  const fileAt = command.args.findIndex(a => a.kind === 'file')
  for (const arg of fileAt < 0 ? call.args : call.args.slice(0, fileAt)) url.searchParams.append('arg', arg)
  for (const spec of command.options) {
    const value = call.options[spec.name]
    if (value !== undefined) url.searchParams.set(spec.name, String(value))
  }
  return url
}

async function * invoke (endpoint: RpcEndpoint, agent: Http.Agent, command: Command, call: CommandCall, signal: AbortSignal): AsyncGenerator<unknown> {
  signal.throwIfAborted()
  const url = callUrl(endpoint.url, command, call)
  const body = call.inputs != null ? multipartBody(call.inputs) : undefined
  const headers: Record<string, string> = {}
  if (endpoint.authorization != null) headers.authorization = endpoint.authorization
  if (body != null) headers['content-type'] = body.contentType

  const req = request(url, { method: 'POST', headers, agent, signal })
  let uploadError: unknown
  const responded = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.on('error', err => reject(uploadError ?? rewriteRequestError(err, endpoint, signal)))
  })
  responded.catch(() => {})
  if (body == null) {
    req.end()
  } else {
    upload(req, body.parts).catch(err => {
      uploadError = err
      req.destroy(err as Error)
    })
  }

  const res = await responded
  // a stream cut short by a failure in the daemon (a truncated tar, say) is explained by the trailer
  const explain = (err: unknown): unknown => signal.aborted ? signal.reason : (uploadError ?? (res.complete ? errorFromTrailers(res) : undefined) ?? err)
  try {
    if (res.statusCode !== 200) {
      throw await errorFromResponse(res)
    }
    if (command.output === 'values') {
      yield * ndjson(res)
    } else if (command.output === 'bytes') {
      yield * res as AsyncIterable<Uint8Array>
    } else {
      const { treeEntriesFromTar } = await import('./tar-tree.js')
      yield * treeEntriesFromTar(res, err => explain(err))
    }
    const trailerError = errorFromTrailers(res)
    if (trailerError != null) throw trailerError
  } catch (err) {
    throw explain(err)
  } finally {
    res.destroy()
    req.destroy()
  }
}

/** Writes the multipart body with backpressure, stopping if the request is torn down. */
async function upload (req: ReturnType<typeof request>, parts: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of parts) {
    if (req.destroyed) return
    if (!req.write(chunk)) {
      await new Promise<void>(resolve => {
        const done = (): void => { req.off('drain', done); req.off('close', done); resolve() }
        req.on('drain', done)
        req.on('close', done)
      })
    }
  }
  req.end()
}

async function * ndjson (res: IncomingMessage): AsyncGenerator<unknown> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of res as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true })
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() !== '') yield JSON.parse(line)
    }
  }
  pending += decoder.decode()
  if (pending.trim() !== '') yield JSON.parse(pending)
}

const errorClasses = new Map<string, new (message: string) => CairnError>()
for (const value of Object.values(errors)) {
  const code = (value as { code?: unknown }).code
  if (typeof value === 'function' && typeof code === 'string') {
    errorClasses.set(code, value as new (message: string) => CairnError)
  }
}

/** Rebuilds the typed error a command raised in the daemon, from its code and message. */
export function rebuildError (message: string, code: string | undefined): Error {
  if (code == null) return new Error(message)
  const ErrorClass = errorClasses.get(code)
  return ErrorClass != null ? new ErrorClass(message) : new CairnError(code, message)
}

async function errorFromResponse (res: IncomingMessage): Promise<Error> {
  let text = ''
  for await (const chunk of res as AsyncIterable<Buffer>) {
    text += chunk.toString()
    if (text.length > 64 * 1024) break
  }
  let body: { Message?: unknown, CairnCode?: unknown } | undefined
  try {
    body = JSON.parse(text) as typeof body
  } catch {}
  const message = typeof body?.Message === 'string' ? body.Message : (text.trim() !== '' ? text.trim() : `HTTP ${res.statusCode ?? '?'}`)
  if (res.statusCode === 403) {
    return new ForbiddenError(`${message} (set CAIRN_API_AUTH to the API token)`)
  }
  return rebuildError(message, typeof body?.CairnCode === 'string' ? body.CairnCode : undefined)
}

function errorFromTrailers (res: IncomingMessage): Error | undefined {
  const message = res.trailers['x-stream-error']
  if (message == null || message === '') return undefined
  return rebuildError(message, res.trailers['x-stream-error-code'])
}

function rewriteRequestError (err: unknown, endpoint: RpcEndpoint, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    return new ApiUnreachableError(`cannot reach the daemon's RPC API at ${endpoint.url} (${code}); is "cairn daemon" still running?`, { cause: err })
  }
  return err
}
