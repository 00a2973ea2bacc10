import { isCairnError, isErrorCode, type ErrorCode } from '../../node/errors.js'

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

/** An RPC status and Kubo's error `Code`. */
export interface Mapping { status: number, type: number }

const clientError: Mapping = { status: 400, type: KuboErrorType.client }
/** What a command met while running (Kubo's 500 with Code 0, `ErrNormal`). */
const commandError: Mapping = { status: 500, type: KuboErrorType.normal }

/**
 * The one table from Cairn error codes to RPC statuses, every code of node/errors.ts
 * listed on purpose. As in Kubo, bad arguments are client errors (400, Code 1: a CID, a
 * path, a multiaddr, a config value, an input file or CAR the caller gave), missing
 * credentials 403 (Code 4), and everything a command meets while running is a 500 with
 * Code 0 — including ERR_OFFLINE (Kubo's "this command must be run in online mode"),
 * ERR_TIMEOUT and ERR_NO_PROVIDERS (Kubo's RPC does not use the gateway's 502/504);
 * `CairnCode` in the body tells them apart.
 */
export const rpcErrorTable: Readonly<Record<ErrorCode, Mapping>> = {
  ERR_USAGE: clientError,
  ERR_INVALID_CID: clientError,
  ERR_INVALID_PATH: clientError,
  ERR_UNSAFE_PATH: clientError,
  ERR_INVALID_CONFIG: clientError,
  ERR_INVALID_CAR: clientError,
  ERR_BLOCK_TOO_BIG: clientError,
  ERR_INPUT_FILE: clientError,
  ERR_INVALID_MULTIADDR: clientError,
  ERR_INVALID_NAME: clientError,
  ERR_INVALID_RECORD: clientError,
  ERR_STALE_RECORD: clientError,
  ERR_KEY_EXISTS: clientError,
  ERR_FORBIDDEN: { status: 403, type: KuboErrorType.forbidden },
  ERR_NOT_FOUND: commandError,
  ERR_BLOCK_NOT_LOCAL: commandError,
  ERR_TIMEOUT: commandError,
  ERR_NO_PROVIDERS: commandError,
  ERR_REPO_LOCKED: commandError,
  ERR_NO_REPO: commandError,
  ERR_REPO_EXISTS: commandError,
  ERR_CORRUPT_BLOCK: commandError,
  ERR_INVALID_DAG: commandError,
  ERR_NOT_UNIXFS: commandError,
  ERR_IS_DIRECTORY: commandError,
  ERR_NOT_DIRECTORY: commandError,
  ERR_NOT_PINNED: commandError,
  ERR_ALREADY_PINNED: commandError,
  ERR_BLOCKED: commandError,
  ERR_NOT_CACHED: commandError,
  ERR_NOT_ACCEPTABLE: commandError,
  ERR_API_UNREACHABLE: commandError,
  ERR_CLIENT_GONE: commandError,
  ERR_OFFLINE: commandError,
  ERR_DISK_FULL: commandError,
  ERR_NAME_LOOP: commandError,
  ERR_TOO_FEW_COPIES: commandError,
  ERR_REMOTE_PINNING: commandError
}

const fallback: Mapping = { status: 500, type: KuboErrorType.normal }

/** The status and Kubo JSON body for an error a request ended with. Never includes a stack. */
export function rpcError (err: unknown): { status: number, body: RpcErrorBody } {
  if (isCairnError(err)) {
    const { status, type } = isErrorCode(err.code) ? rpcErrorTable[err.code] : fallback
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
