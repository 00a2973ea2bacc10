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
        // loaded here: the other commands start faster without express and the node
        const [{ startGateway }, { startDaemon }] = await Promise.all([import('../gateway/server.js'), import('../node/daemon.js')])
        return await startDaemon({ root, gateway: startGateway, offline: opts.offline, onLockWait: sayLockWait })
      })
    })
}
