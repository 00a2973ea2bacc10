import { config, configGet, configProfileApply, configSet, configShow } from './config.js'
import { id } from './id.js'
import { dagExport, dagImport } from './dag.js'
import { blockPut } from './block.js'
import { pinAdd, pinLs, pinRm, pinUpdate, pinVerify } from './pin.js'
import { repoGc, repoStatCommand, repoVerify } from './repo.js'
import { add } from './add.js'
import { cat } from './cat.js'
import { get } from './get.js'
import { ls } from './ls.js'
import { swarmConnect, swarmDisconnect, swarmPeers } from './swarm.js'
import { routingFindProvs, routingProvide, routingReprovide } from './routing.js'
import { bitswapLedger, bitswapStat, statsBitswap, statsProvide } from './stats.js'
import type { Command } from './command.js'

/**
 * The command table: the CLI parser and the RPC router are both generated from it.
 * Add a command here once and it works from `cairn …` and from `/api/v0/…`.
 */
export const commands: Command[] = [
  id,
  add,
  cat,
  get,
  ls,
  pinAdd,
  pinRm,
  pinLs,
  pinVerify,
  pinUpdate,
  repoGc,
  repoStatCommand,
  repoVerify,
  dagImport,
  dagExport,
  blockPut,
  swarmPeers,
  swarmConnect,
  swarmDisconnect,
  routingFindProvs,
  routingProvide,
  routingReprovide,
  statsProvide,
  statsBitswap,
  bitswapStat,
  bitswapLedger,
  config,
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
