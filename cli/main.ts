import { CommanderError } from 'commander'
import { commands } from '../node/commands/index.js'
import { booleanOptionNames, buildProgram, normaliseBooleanFlags } from './program.js'
import { EXIT_OK, EXIT_USAGE, exitCodeFor, messageFor } from './exit-codes.js'

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main (argv: string[]): Promise<number> {
  const program = buildProgram({
    commands,
    // the tree writer (get) loads on first use
    writeTree: async (entries, call) => { await (await import('./tree-writer.js')).writeTree(entries, call) }
  })
  const debug = argv.includes('--debug')
  try {
    await program.parseAsync(normaliseBooleanFlags(argv, booleanOptionNames(commands)), { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message (or the help)
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    process.stderr.write(messageFor(err, debug) + '\n')
    return exitCodeFor(err)
  }
}
