import type { CairnNode } from '../node.js'
import type { Config } from '../../config/config.js'
import type { InputEntry, TreeEntry } from '../unixfs/entries.js'

/** The value types an option can take. */
export type OptionType = 'boolean' | 'string' | 'number'

/** One option of a command, with Kubo's name (`cid-version`, not `cidVersion`). */
export interface OptionSpec {
  name: string
  /** One-letter alias: `r` for `-r`. */
  short?: string
  type: OptionType
  description: string
  default?: boolean | string | number
  /** A boolean that stays undefined when not given, so the command can pick the default (`raw-leaves` follows `cid-version`). */
  tristate?: boolean
  /** A string option that takes several values, comma-separated (Kubo's delimited strings); over RPC it may also be repeated. */
  list?: boolean
}

/** One positional argument. `file` arguments are local paths on the CLI and multipart parts over RPC. */
export interface ArgSpec {
  name: string
  description: string
  required?: boolean
  variadic?: boolean
  kind?: 'string' | 'file'
}

/** Parsed option values, keyed by the option's name. */
export type Options = Record<string, boolean | string | number | undefined>

/** The entries commands take and give; they belong to the UnixFS layer below. */
export type { InputEntry, TreeEntry }

/** What a command's `run` gets besides its arguments. */
export interface CommandContext {
  node: CairnNode
  signal: AbortSignal
}

/** The parsed call: positional arguments, options, and streamed inputs for `file` args. */
export interface CommandCall {
  args: string[]
  options: Options
  inputs?: AsyncIterable<InputEntry>
  /**
   * True when each input's content can be read without reading the ones before it
   * (local files), so several can be read at once. Not so for a multipart upload: its
   * next part arrives only after this one's bytes are read.
   */
  independentInputs?: boolean
}

interface CommandBase {
  /** Words of the command: `['pin', 'add']` is `cairn pin add` and `/api/v0/pin/add`. */
  path: string[]
  description: string
  args: ArgSpec[]
  options: OptionSpec[]
}

/** A command that yields typed values: NDJSON over RPC, lines of text on the CLI. */
export interface ValuesCommand<R = unknown> extends CommandBase {
  output: 'values'
  run(ctx: CommandContext, call: CommandCall): AsyncIterable<R>
  /**
   * Offline, the answer from the repo's config alone (`id`, `config show`, `add -n`): the
   * CLI then opens no node (no Helia, no stores, no lock). Through a daemon `run` answers.
   */
  fromConfig?(config: Config, call: CommandCall, signal: AbortSignal): AsyncIterable<R>
  /** With {@link fromConfig}: true for the calls that need the node all the same (`add` without `-n`). */
  needsNode?(call: CommandCall): boolean
  /**
   * With a `progress` option the CLI turns it on when stderr is a terminal and draws a
   * byte bar from `{ Name, Bytes }` values; `false` draws none (the text shows progress).
   */
  progressBar?: boolean
  /** Text for one value, or undefined to print nothing for it (e.g. progress values). */
  text(value: R, options: Options): string | undefined
}

/** A command that yields raw bytes (`cat`, `dag export`). */
export interface BytesCommand extends CommandBase {
  output: 'bytes'
  run(ctx: CommandContext, call: CommandCall): AsyncIterable<Uint8Array>
  /**
   * Where the CLI writes the bytes when `-o` is not given (`key export` writes
   * `<name>.key`, as Kubo does), and with which file mode; stdout when absent.
   */
  defaultOutput?(call: CommandCall): { path: string, mode: number }
}

/** A command that yields a file tree (`get`): written to disk by the CLI, a tar stream over RPC. */
export interface TreeCommand extends CommandBase {
  output: 'tree'
  run(ctx: CommandContext, call: CommandCall): AsyncIterable<TreeEntry>
}

/** One entry of the command table. */
export type Command = ValuesCommand<any> | BytesCommand | TreeCommand

/** Declares a values command with its value type checked against its formatter. */
export function valuesCommand<R> (def: Omit<ValuesCommand<R>, 'output'>): ValuesCommand<R> {
  return { ...def, output: 'values' }
}

/** Declares a bytes command. */
export function bytesCommand (def: Omit<BytesCommand, 'output'>): BytesCommand {
  return { ...def, output: 'bytes' }
}

/** Declares a tree command. */
export function treeCommand (def: Omit<TreeCommand, 'output'>): TreeCommand {
  return { ...def, output: 'tree' }
}
