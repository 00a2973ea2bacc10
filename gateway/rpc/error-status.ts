import { isCairnError } from '../../node/errors.js'

/** go-ipfs-cmds error types, sent as `Code` in Kubo's error JSON. */
export const KuboErrorType = {
  normal: 0,
  client: 1,
  implementation: 2,
  rateLimited: 3,
  forbidden: 4
} as const

/** Kubo's error body, plus `CairnCode` so Cairn's own client can rebuild the typed error. */
export interface RpcErrorBody {
  Message: string
  Code: number
  Type: 'error'
  CairnCode?: string
}

interface Mapping { status: number, type: number }

const clientError: Mapping = { status: 400, type: KuboErrorType.client }

/**
 * The one table from Cairn error codes to RPC statuses. As in Kubo, bad arguments are
 * client errors (400, Code 1) and everything else a command raises is a 500 (Code 0).
 */
const table: Record<string, Mapping> = {
  ERR_USAGE: clientError,
  ERR_INVALID_CID: clientError,
  ERR_INVALID_PATH: clientError,
  ERR_UNSAFE_PATH: clientError,
  ERR_INVALID_CONFIG: clientError,
  ERR_INVALID_CAR: clientError,
  ERR_INPUT_FILE: clientError,
  ERR_INVALID_MULTIADDR: clientError,
  ERR_FORBIDDEN: { status: 403, type: KuboErrorType.forbidden }
}

const fallback: Mapping = { status: 500, type: KuboErrorType.normal }

/** The status and Kubo JSON body for an error a request ended with. Never includes a stack. */
export function rpcError (err: unknown): { status: number, body: RpcErrorBody } {
  if (isCairnError(err)) {
    const { status, type } = table[err.code] ?? fallback
    return { status, body: { Message: err.message, Code: type, Type: 'error', CairnCode: err.code } }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { status: 500, body: { Message: firstLine(message), Code: KuboErrorType.normal, Type: 'error' } }
}

/** The one-line message of an error, for the `X-Stream-Error` trailer. */
export function errorMessage (err: unknown): string {
  return firstLine(err instanceof Error ? err.message : String(err))
}

function firstLine (text: string): string {
  return text.split(/\r?\n/)[0] ?? ''
}
