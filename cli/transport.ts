import type { Command, CommandCall } from '../node/commands/command.js'

/**
 * How the CLI runs a command: in this process on the repo (offline), or through a
 * running daemon's RPC API. Both yield exactly what the command's `run` yields.
 */
export interface Transport {
  invoke(command: Command, call: CommandCall, signal: AbortSignal): AsyncIterable<unknown>
  close(): Promise<void>
}
