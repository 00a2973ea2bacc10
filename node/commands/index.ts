import { config, configGet, configProfileApply, configSet, configShow } from './config.js'
import { id } from './id.js'
import { dagExport, dagImport } from './dag.js'
import { blockPut } from './block.js'
import { pinAdd, pinLs, pinRm, pinUpdate, pinVerify } from './pin.js'
import { pinRemoteAdd, pinRemoteLs, pinRemoteRm, pinRemoteServiceAdd, pinRemoteServiceLs, pinRemoteServiceRm } from './pin-remote.js'
import { pinningTokenCreate, pinningTokenLs, pinningTokenRm } from './pinning.js'
import { repoGc, repoStatCommand, repoVerify } from './repo.js'
import { add } from './add.js'
import { cat } from './cat.js'
import { get } from './get.js'
import { ls } from './ls.js'
import { swarmConnect, swarmDisconnect, swarmPeers } from './swarm.js'
import { routingFindProvs, routingGet, routingProvide, routingPut, routingReprovide } from './routing.js'
import { keyExport, keyGen, keyImport, keyList, keyRename, keyRm } from './key.js'
import { nameInspect, namePublish, nameResolve, resolveCommand } from './name.js'
import { datasetFollow, datasetLs, datasetPublish, datasetStatus, datasetSync, datasetUnfollow } from './dataset.js'
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
  pinRemoteAdd,
  pinRemoteLs,
  pinRemoteRm,
  pinRemoteServiceAdd,
  pinRemoteServiceLs,
  pinRemoteServiceRm,
  pinningTokenCreate,
  pinningTokenLs,
  pinningTokenRm,
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
  routingGet,
  routingPut,
  keyGen,
  keyList,
  keyRm,
  keyRename,
  keyExport,
  keyImport,
  namePublish,
  nameResolve,
  nameInspect,
  resolveCommand,
  datasetPublish,
  datasetFollow,
  datasetLs,
  datasetUnfollow,
  datasetSync,
  datasetStatus,
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

/** Finds a command by its words (`['pin', 'add']`) in `table` (default: the whole table). */
export function findCommand (path: readonly string[], table: readonly Command[] = commands): Command | undefined {
  const key = path.join('/')
  return table.find(c => c.path.join('/') === key)
}
