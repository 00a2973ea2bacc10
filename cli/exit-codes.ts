import { diskFullError, isCairnError, isErrorCode, type ErrorCode } from '../node/errors.js'

/** Exit codes, as Kubo: 0 ok, 1 error, 2 usage error. */
export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

const usageCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_USAGE'])

/** The exit code an error ends the CLI with. */
export function exitCodeFor (err: unknown): number {
  return isCairnError(err) && isErrorCode(err.code) && usageCodes.has(err.code) ? EXIT_USAGE : EXIT_ERROR
}

/** The one line printed for an error; the stack only with `--debug`. */
export function messageFor (err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack != null) {
    return `Error: ${err.stack}`
  }
  if (isCairnError(err)) {
    return `Error: ${err.message}`
  }
  const full = diskFullError(err)
  if (full != null) return `Error: ${full.message}`
  const message = err instanceof Error ? err.message : String(err)
  return `Error: ${message.split('\n')[0] ?? ''}`
}
