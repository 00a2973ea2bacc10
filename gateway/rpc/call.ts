import { parseDuration } from '../../config/duration.js'
import { UsageError } from '../../node/errors.js'
import type { Command, CommandCall, OptionSpec, Options } from '../../node/commands/command.js'

/** A command call read from an RPC request's query string (inputs are added by the caller). */
export interface RpcCall {
  call: CommandCall
  /** Kubo's global `timeout` option, in milliseconds. */
  timeoutMs?: number
}

/**
 * Reads Kubo's query conventions: positional arguments as repeated `arg` parameters,
 * options under their Kubo names (or one-letter aliases), booleans as true/false, and
 * the global `timeout`. Unknown parameters are ignored, as Kubo does. Options that are
 * absent take the same defaults as on the CLI, so `run` sees the same call either way.
 */
export function readCall (command: Command, query: URLSearchParams): RpcCall {
  const options: Options = {}
  for (const spec of command.options) {
    const raw = spec.list === true ? listValue(query, spec) : query.get(spec.name) ?? (spec.short != null ? query.get(spec.short) : null)
    options[spec.name] = raw == null ? defaultOf(spec) : parseOption(spec, raw)
  }
  const args = query.getAll('arg')
  checkArgs(command, args)
  const result: RpcCall = { call: { args, options } }
  const timeout = query.get('timeout')
  if (timeout != null && timeout !== '') {
    try {
      result.timeoutMs = parseDuration(timeout, 'timeout')
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  return result
}

/** A list option's values, repeated or comma-separated, as one comma-separated string (null when absent). */
function listValue (query: URLSearchParams, spec: OptionSpec): string | null {
  const values = [...query.getAll(spec.name), ...(spec.short != null ? query.getAll(spec.short) : [])]
  return values.length > 0 ? values.join(',') : null
}

function defaultOf (spec: OptionSpec): Options[string] {
  return spec.default ?? (spec.type === 'boolean' && spec.tristate !== true ? false : undefined)
}

const truthy = new Set(['', '1', 't', 'true', 'T', 'TRUE', 'True'])
const falsy = new Set(['0', 'f', 'false', 'F', 'FALSE', 'False'])

function parseOption (spec: OptionSpec, raw: string): Options[string] {
  if (spec.type === 'boolean') {
    if (truthy.has(raw)) return true
    if (falsy.has(raw)) return false
    throw new UsageError(`option "${spec.name}" takes true or false, not "${raw}"`)
  }
  if (spec.type === 'number') {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new UsageError(`option "${spec.name}" takes a number, not "${raw}"`)
    }
    return n
  }
  return raw
}

/** Positional arguments other than file arguments (those come as multipart parts). */
export function stringArgs (command: Command): Command['args'] {
  return command.args.filter(a => a.kind !== 'file')
}

function checkArgs (command: Command, args: string[]): void {
  const specs = stringArgs(command)
  specs.forEach((spec, i) => {
    if (spec.required === true && args[i] === undefined) {
      throw new UsageError(`argument "${spec.name}" is required`)
    }
  })
  const variadic = specs.some(s => s.variadic === true)
  if (!variadic && args.length > specs.length) {
    throw new UsageError(`expected at most ${specs.length} argument(s), got ${args.length}`)
  }
}
