import { startDaemon } from '../node/daemon.js'
import { resolveRepoPath } from '../node/repo/paths.js'
import { runUntilSignal, say, sayLockWait } from './daemon.js'
import type { Command as Commander } from 'commander'
import type { GlobalOptions } from './program.js'

/**
 * `cairn gateway`: only the public gateway over the repo, on `Addresses.Gateway` (or
 * `CAIRN_GATEWAY`), with the node on the network (fetching what the repo lacks) or, with
 * `--offline`, serving only the repo's blocks. No RPC API: other commands on the repo
 * meanwhile fail on its lock. Stops cleanly on SIGINT/SIGTERM.
 */
export function registerGateway (program: Commander): void {
  program.command('gateway')
    .description('Run only the HTTP gateway over the repo, on Addresses.Gateway or $CAIRN_GATEWAY (Ctrl-C stops it)')
    .option('--offline', 'no network: serve only the blocks the repo holds', false)
    .action(async (opts: { offline: boolean }, self: Commander) => {
      const root = resolveRepoPath(self.optsWithGlobals<GlobalOptions>().repo)
      await runUntilSignal('Gateway', async () => {
        say('Initializing gateway...')
        say(`Repo: ${root}`)
        // loaded here: express is not needed by the other commands
        const { startGateway } = await import('../gateway/server.js')
        return await startDaemon({ root, gateway: startGateway, offline: opts.offline, onLockWait: sayLockWait })
      })
    })
}
