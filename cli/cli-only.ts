import { registerDaemon } from './daemon.js'
import { registerGateway } from './gateway.js'
import { registerInit } from './init.js'
import { registerVersion } from './version.js'
import type { Command as Commander } from 'commander'

/** Commands that exist only on the CLI (they start or create things, or need no repo; no RPC twin). */
export const cliOnlyCommands: Array<(program: Commander) => void> = [
  registerInit,
  registerDaemon,
  registerGateway,
  registerVersion
]
