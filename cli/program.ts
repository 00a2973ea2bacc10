import { Command as Commander, InvalidArgumentError, Option } from 'commander'
import { TimeoutError, UsageError } from '../node/errors.js'
import { parseDuration } from '../config/duration.js'
import { resolveRepoPath } from '../node/repo/paths.js'
import { connect } from './connect.js'
import { localInputs, stdinIsPiped } from './inputs.js'
import { printBytes, printValues } from './output.js'
import { withProgressBar } from './progress.js'
import { cliOnlyCommands } from './cli-only.js'
import type { BytesCommand, Command, CommandCall, OptionSpec, Options } from '../node/commands/command.js'

/** Options every command takes. */
export interface GlobalOptions {
  repo?: string
  json?: boolean
  debug?: boolean
  timeout?: string
  /** RPC API secret (`bearer:TOKEN`, `basic:USER:PASS`), as Kubo's `--api-auth`; else $CAIRN_API_AUTH. */
  apiAuth?: string
}

/** The writer for `tree` output (get); provided by the get command's CLI side. */
export type TreeWriter = (entries: AsyncIterable<unknown>, call: CommandCall) => Promise<void>

/** What the CLI is built from: the command table and how `tree` results reach the disk. */
export interface ProgramParts {
  commands: readonly Command[]
  writeTree: TreeWriter
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

function parseNumber (name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n)) {
      throw new InvalidArgumentError(`--${name} takes a number`)
    }
    return n
  }
}

function addOption (cmd: Commander, spec: OptionSpec): void {
  const flags = `${spec.short != null ? `-${spec.short}, ` : ''}--${spec.name}`
  if (spec.type === 'boolean') {
    const option = new Option(flags, spec.description)
    if (spec.tristate !== true) option.default(spec.default ?? false)
    cmd.addOption(option)
    cmd.addOption(new Option(`--no-${spec.name}`).hideHelp())
    return
  }
  const option = new Option(`${flags} <${spec.type === 'number' ? 'n' : 'value'}>`, spec.description)
  if (spec.type === 'number') option.argParser(parseNumber(spec.name))
  if (spec.default !== undefined) option.default(spec.default)
  cmd.addOption(option)
}

/** `--pin=false` (Kubo's spelling) becomes `--no-pin`; `--pin=true` becomes `--pin`. */
export function normaliseBooleanFlags (argv: string[], booleans: Set<string>): string[] {
  return argv.map(arg => {
    const match = /^--([a-z][a-z0-9-]*)=(true|false)$/.exec(arg)
    if (match == null || !booleans.has(match[1] as string)) return arg
    return match[2] === 'true' ? `--${match[1]}` : `--no-${match[1]}`
  })
}

/** Every boolean option name in the table, for {@link normaliseBooleanFlags}. */
export function booleanOptionNames (commands: readonly Command[]): Set<string> {
  return new Set(commands.flatMap(c => c.options.filter(o => o.type === 'boolean').map(o => o.name)))
}

function readOptions (command: Command, raw: Record<string, unknown>): Options {
  const options: Options = {}
  for (const spec of command.options) {
    options[spec.name] = raw[camel(spec.name)] as Options[string]
  }
  return options
}

/**
 * The command's options and the global ones. A command's own option shadows a global
 * option of the same name (`config --json` means a JSON value, not NDJSON output):
 * commander hands such a flag to the program wherever it stands, so it is taken back here.
 */
function ownOptions (command: Command, self: Commander): [Options, GlobalOptions] {
  const ancestors: Commander[] = []
  for (let c = self.parent; c != null; c = c.parent) ancestors.unshift(c)
  const globals: Record<string, unknown> = Object.assign({}, ...ancestors.map(c => c.opts()))
  const own = self.opts()
  for (const spec of command.options) {
    const key = camel(spec.name)
    if (!(key in globals)) continue
    if (self.getOptionValueSource(key) !== 'cli' && globals[key] !== undefined) own[key] = globals[key]
    delete globals[key]
  }
  return [readOptions(command, own), globals as GlobalOptions]
}

/** Runs one table command from parsed CLI arguments. */
async function runCommand (command: Command, writeTree: TreeWriter, args: string[], options: Options, globals: GlobalOptions): Promise<void> {
  const timeoutMs = globals.timeout != null ? parseTimeout(globals.timeout) : undefined
  const call: CommandCall = { args, options }
  const fileAt = command.args.findIndex(a => a.kind === 'file')
  const fileArg = command.args[fileAt]
  if (fileArg != null) {
    // string arguments come first (`routing put <key> <file>`), the rest are local paths
    const given = args.slice(fileAt)
    const paths = given.length > 0 ? given : (stdinIsPiped() ? ['-'] : [])
    if (paths.length === 0) throw new UsageError(`argument "${fileArg.name}" is required`)
    call.inputs = await localInputs(paths, options, command.options.find(o => o.name === 'recursive'))
    call.independentInputs = true
    call.args = [...args.slice(0, fileAt), ...paths]
  }

  const transport = await connect(resolveRepoPath(globals.repo), globals.apiAuth)
  const controller = new AbortController()
  const timer = timeoutMs != null ? setTimeout(() => controller.abort(new TimeoutError(`timed out after ${globals.timeout}`)), timeoutMs) : undefined
  try {
    const results = await withProgressBar(command, call, () => transport.invoke(command, call, controller.signal))
    if (command.output === 'values') {
      await printValues(command, results, options, globals.json === true)
    } else if (command.output === 'bytes') {
      await printBytes(results, bytesOutput(command, call))
    } else {
      await writeTree(results, call)
    }
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason : err
  } finally {
    clearTimeout(timer)
    await transport.close()
  }
}

/** Where a bytes command's output goes: `-o FILE`, `-o -` for stdout, else the command's default file or stdout. */
function bytesOutput (command: BytesCommand, call: CommandCall): { path: string, mode?: number } | undefined {
  const given = call.options.output
  if (given === '-') return undefined
  if (typeof given === 'string') return { path: given, ...(command.defaultOutput != null ? { mode: command.defaultOutput(call).mode } : {}) }
  return command.defaultOutput?.(call)
}

function parseTimeout (text: string): number {
  try {
    return parseDuration(text, '--timeout')
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

function subcommand (parent: Commander, word: string): Commander {
  const existing = parent.commands.find(c => c.name() === word)
  if (existing != null) return existing
  const created = parent.command(word)
  created.description(`${word} commands`)
  return created
}

/** Builds the whole CLI from the command table plus the CLI-only commands (init, daemon). */
export function buildProgram ({ commands, writeTree }: ProgramParts): Commander {
  const program = new Commander('cairn')
    .description('Cairn: a content-addressed storage node (IPFS) for Node.js')
    .option('--repo <dir>', 'repo path (default $CAIRN_PATH or ~/.cairn)')
    .option('--json', 'machine-readable output (NDJSON)')
    .option('--debug', 'print stack traces on errors')
    .option('--timeout <duration>', 'give up after this long, e.g. 30s')
    .option('--api-auth <secret>', 'RPC API secret for a daemon with API.Authorizations (bearer:TOKEN or basic:USER:PASS; default $CAIRN_API_AUTH)')
    .showHelpAfterError(false)
    .exitOverride()

  for (const command of commands) {
    const words = command.path
    let parent = program
    for (const word of words.slice(0, -1)) parent = subcommand(parent, word)
    // a group (`config show`, …) and a command of its own (`config KEY`) share one commander command
    const cmd = subcommand(parent, words[words.length - 1] as string).description(command.description).exitOverride()
    for (const arg of command.args) {
      const name = `${arg.name}${arg.variadic === true ? '...' : ''}`
      cmd.argument(arg.required === true && arg.kind !== 'file' ? `<${name}>` : `[${name}]`, arg.description)
    }
    for (const spec of command.options) addOption(cmd, spec)
    cmd.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Commander
      await runCommand(command, writeTree, self.args, ...ownOptions(command, self))
    })
  }
  for (const register of cliOnlyCommands) register(program)
  return program
}
