import { configGet, configProfileApply, configSet, configShow } from './config.js'
import { id } from './id.js'
import type { Command } from './command.js'

/**
 * The command table: the CLI parser and the RPC router are both generated from it.
 * Add a command here once and it works from `cairn …` and from `/api/v0/…`.
 */
export const commands: Command[] = [
  id,
  configShow,
  configGet,
  configSet,
  configProfileApply
]

/** Finds a command by its words (`['pin', 'add']`). */
export function findCommand (path: readonly string[]): Command | undefined {
  const key = path.join('/')
  return commands.find(c => c.path.join('/') === key)
}
