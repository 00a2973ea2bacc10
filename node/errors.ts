/**
 * Every error Cairn raises on purpose. Each class carries a stable `code`; the CLI
 * (`cli/exit-codes.ts`) and the gateway (`gateway/error-status.ts`) map codes to exit
 * codes and HTTP statuses in one table each.
 */
export class CairnError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/**
 * Every code Cairn raises on purpose. The tables that map codes to RPC statuses, gateway
 * statuses and exit codes are typed by {@link ErrorCode}, so the compiler checks them.
 */
export const errorCodes = [
  'ERR_INVALID_CID',
  'ERR_INVALID_PATH',
  'ERR_NOT_FOUND',
  'ERR_BLOCK_NOT_LOCAL',
  'ERR_TIMEOUT',
  'ERR_NO_PROVIDERS',
  'ERR_REPO_LOCKED',
  'ERR_NO_REPO',
  'ERR_REPO_EXISTS',
  'ERR_INVALID_CONFIG',
  'ERR_USAGE',
  'ERR_INPUT_FILE',
  'ERR_INVALID_CAR',
  'ERR_CORRUPT_BLOCK',
  'ERR_INVALID_DAG',
  'ERR_BLOCK_TOO_BIG',
  'ERR_NOT_UNIXFS',
  'ERR_IS_DIRECTORY',
  'ERR_NOT_DIRECTORY',
  'ERR_UNSAFE_PATH',
  'ERR_NOT_PINNED',
  'ERR_ALREADY_PINNED',
  'ERR_BLOCKED',
  'ERR_NOT_CACHED',
  'ERR_FORBIDDEN',
  'ERR_NOT_ACCEPTABLE',
  'ERR_API_UNREACHABLE',
  'ERR_CLIENT_GONE',
  'ERR_DISK_FULL',
  'ERR_INVALID_MULTIADDR',
  'ERR_OFFLINE',
  'ERR_INVALID_NAME',
  'ERR_INVALID_RECORD',
  'ERR_STALE_RECORD',
  'ERR_NAME_LOOP',
  'ERR_KEY_EXISTS',
  'ERR_REMOTE_PINNING',
  'ERR_TOO_FEW_COPIES'
] as const

/** One of {@link errorCodes}. */
export type ErrorCode = typeof errorCodes[number]

const knownCodes: ReadonlySet<string> = new Set(errorCodes)

/** True for a code of {@link errorCodes} (a remote error may carry any string). */
export function isErrorCode (code: string): code is ErrorCode {
  return knownCodes.has(code)
}

const define = (code: ErrorCode) => class extends CairnError {
  static readonly code = code
  constructor (message: string, options?: ErrorOptions) {
    super(code, message, options)
  }
}

/** A string that is not a CID, or a CID with an unsupported codec or hash. */
export class InvalidCidError extends define('ERR_INVALID_CID') {}
/** A malformed `<cid>/path`, or a path segment that is not allowed. */
export class InvalidPathError extends define('ERR_INVALID_PATH') {}
/** A path that does not exist inside a DAG, or a pin / key that does not exist. */
export class NotFoundError extends define('ERR_NOT_FOUND') {}
/** A block that is not in the local blockstore while the node is offline. */
export class BlockNotLocalError extends define('ERR_BLOCK_NOT_LOCAL') {
  /** What was being read when an offline node found a block missing (a content path). */
  offlineRead?: string

  /** An offline read of `where` met a missing block: the CLI's wording, with its hint. */
  static offline (where: string, cause: unknown): BlockNotLocalError {
    const err = new BlockNotLocalError(`block not found locally and the node is offline (${where}); start the daemon to fetch it`, { cause })
    err.offlineRead = where
    return err
  }
}
/** Retrieval from the network took longer than allowed. */
export class TimeoutError extends define('ERR_TIMEOUT') {}
/** No peer or gateway could be found that holds the content. */
export class NoProvidersError extends define('ERR_NO_PROVIDERS') {}
/** The repo is held by another live process. */
export class RepoLockedError extends define('ERR_REPO_LOCKED') {}
/** There is no repo at the given path. */
export class RepoMissingError extends define('ERR_NO_REPO') {}
/** `init` on a path that already holds a repo. */
export class RepoExistsError extends define('ERR_REPO_EXISTS') {}
/** config.json (or a value for it) does not match the schema. */
export class ConfigError extends define('ERR_INVALID_CONFIG') {}
/** Wrong arguments or flags for a command. */
export class UsageError extends define('ERR_USAGE') {}
/** A local input file or directory that does not exist or cannot be read. */
export class InputFileError extends define('ERR_INPUT_FILE') {}
/** A CAR stream that is truncated, corrupt, or holds a block whose hash does not match. */
export class InvalidCarError extends define('ERR_INVALID_CAR') {}
/**
 * A block whose bytes do not hash to its CID (`repo verify`, and every read from disk with
 * `Datastore.HashOnRead`).
 */
export class CorruptBlockError extends define('ERR_CORRUPT_BLOCK') {}
/** A DAG that decodes but breaks UnixFS rules (a HAMT fanout, block sizes that lie). */
export class InvalidDagError extends define('ERR_INVALID_DAG') {}
/** A block above the 2 MiB limit, given without `--allow-big-block`. */
export class BlockTooBigError extends define('ERR_BLOCK_TOO_BIG') {}
/** An operation that needs UnixFS data met another codec. */
export class NotUnixfsError extends define('ERR_NOT_UNIXFS') {}
/** A file operation met a directory. */
export class IsDirectoryError extends define('ERR_IS_DIRECTORY') {}
/** A directory operation met a file. */
export class NotDirectoryError extends define('ERR_NOT_DIRECTORY') {}
/** A DAG entry name that would escape the output folder (`/`, `..`, NUL). */
export class UnsafePathError extends define('ERR_UNSAFE_PATH') {}
/** A pin operation on a CID that is not pinned (or pinned the wrong way). */
export class NotPinnedError extends define('ERR_NOT_PINNED') {}
/** A pin that conflicts with an existing one (a direct pin on a recursively pinned CID). */
export class AlreadyPinnedError extends define('ERR_ALREADY_PINNED') {}
/** A request the node refuses to serve or fetch because a denylist blocks it. */
export class BlockedContentError extends define('ERR_BLOCKED') {
  /** The HTTP status the denylist asks the gateway for (410 Gone unless it says 451). */
  status = 410
}
/** Content asked for with `Cache-Control: only-if-cached` that is not held locally. */
export class NotCachedError extends define('ERR_NOT_CACHED') {}
/** Missing or wrong credentials for the RPC API. */
export class ForbiddenError extends define('ERR_FORBIDDEN') {}
/** A requested format the data cannot be given in. */
export class NotAcceptableError extends define('ERR_NOT_ACCEPTABLE') {}
/** A daemon holds the repo but its RPC API does not answer. */
export class ApiUnreachableError extends define('ERR_API_UNREACHABLE') {}
/** The HTTP client of an RPC call went away; the command is aborted with this reason. */
export class ClientGoneError extends define('ERR_CLIENT_GONE') {}

/** A write failed because the disk (or quota) is full; the message names the path. */
export class DiskFullError extends define('ERR_DISK_FULL') {}

/**
 * The {@link DiskFullError} for an ENOSPC met while writing `path` (found in the error or
 * its causes, by errno code or in the message of a wrapped error), else undefined.
 */
export function diskFullError (err: unknown, path?: string): DiskFullError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC' && !/\bENOSPC\b/.test(e.message)) continue
    const where = path ?? (e as NodeJS.ErrnoException).path ?? /ENOSPC[^']*'([^']+)'/.exec(e.message)?.[1]
    return new DiskFullError(`disk full: no space left on device${where != null ? ` writing ${where}` : ''}`, { cause: err })
  }
  return undefined
}

/** A string that is not a valid multiaddr (e.g. `swarm connect foo`). */
export class InvalidMultiaddrError extends define('ERR_INVALID_MULTIADDR') {}
/** A command that needs the network ran on a node without one (no daemon). */
export class OfflineError extends define('ERR_OFFLINE') {}
/** A name that is neither an IPNS key (`k51…`, `12D3…`) nor a DNSLink domain. */
export class InvalidNameError extends define('ERR_INVALID_NAME') {}
/** An IPNS record that does not decode, has a bad signature, does not match its name, or has expired. */
export class InvalidRecordError extends define('ERR_INVALID_RECORD') {}
/** An IPNS record older (lower sequence, or shorter validity) than the one held: never replaces it. */
export class StaleRecordError extends define('ERR_STALE_RECORD') {}
/** A name that resolves to itself through DNSLink or IPNS, or too deep a chain. */
export class NameLoopError extends define('ERR_NAME_LOOP') {}
/** `key gen` / `key import` / `key rename` to a name that is taken. */
export class KeyExistsError extends define('ERR_KEY_EXISTS') {}
/** A remote pinning service refused a request or answered something that is not the spec's shape. */
export class RemotePinningError extends define('ERR_REMOTE_PINNING') {}

/** `dataset status --min-copies N` saw fewer than N copies. */
export class TooFewCopiesError extends define('ERR_TOO_FEW_COPIES') {}

/** True for errors that Cairn raised on purpose (as opposed to bugs). */
export function isCairnError (err: unknown): err is CairnError {
  return err instanceof CairnError
}
