import { Option, type Command as Commander } from 'commander'
import { profileNames, type ProfileName } from '../config/profiles.js'
import { formatTcpMultiaddr } from '../config/tcp-address.js'
import { agentVersion } from '../node/version.js'
import { resolveRepoPath } from '../node/repo/paths.js'
import type { GlobalOptions } from './program.js'
import type { Daemon } from '../node/daemon.js'

/** The version in the agent string (`cairn/0.1.0`). */
const version = agentVersion.slice(agentVersion.indexOf('/') + 1)

/** Prints one line of daemon output (Kubo's wording, so scripts that wait for it work). */
export function say (line: string): void {
  process.stdout.write(line + '\n')
}

/** Tells the user that the daemon waits for a repo lock held by another command. */
export function sayLockWait (pid: number | undefined): void {
  say(`Waiting for the repo lock${pid != null ? ` held by pid ${pid}` : ''}...`)
}

/**
 * Resolves when SIGINT or SIGTERM arrives. A second signal during shutdown exits at once
 * with code 1, as Kubo does.
 */
function shutdownSignal (): Promise<NodeJS.Signals> {
  return new Promise(resolve => {
    let received = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        process.stderr.write('Received another interrupt before graceful shutdown, terminating...\n')
        process.exit(1)
      }
      received = true
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

/** `http://127.0.0.1:8080` → `/ip4/127.0.0.1/tcp/8080` (Kubo prints multiaddrs). */
function urlToMultiaddr (text: string): string {
  const url = new URL(text)
  return formatTcpMultiaddr(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port))
}

/**
 * Runs a daemon until SIGINT or SIGTERM: `start` brings it up (printing what it likes
 * first), then its addresses are printed, ending with `Daemon is ready`; a signal stops
 * it and `<name> stopped` is printed. Shared by `cairn daemon` and `cairn gateway`, which
 * both run with a server's heap growth (`fixServerHeapGrowth`, loaded here: node:v8 is not
 * for the commands that only talk to a daemon).
 */
export async function runUntilSignal (name: string, start: () => Promise<Daemon>): Promise<void> {
  const { fixServerHeapGrowth } = await import('./server-heap.js')
  fixServerHeapGrowth()
  const signal = shutdownSignal()
  const daemon = await start()
  printReady(daemon)
  await signal
  say('Received interrupt signal, shutting down...')
  await daemon.stop()
  say(`${name} stopped`)
}

/** Prints the addresses a started daemon listens on, ending with `Daemon is ready`. */
function printReady (daemon: Daemon): void {
  say(`PeerID: ${daemon.peerId}`)
  for (const addr of daemon.swarm) say(`Swarm listening on ${addr}`)
  if (daemon.api != null) say(`RPC API server listening on ${daemon.api.multiaddr ?? daemon.api.url}`)
  if (daemon.gateway != null) say(`Gateway server listening on ${daemon.gateway.multiaddr ?? urlToMultiaddr(daemon.gateway.url)}`)
  if (daemon.pinning != null) say(`Pinning Service API listening on ${daemon.pinning.multiaddr ?? urlToMultiaddr(daemon.pinning.url)}`)
  say('Daemon is ready')
}

/** `cairn daemon`: the node on the network with its RPC API and gateway, until SIGINT/SIGTERM. */
export function registerDaemon (program: Commander): void {
  program.command('daemon')
    .description('Run the node on the network with its RPC API and gateway (Ctrl-C stops it)')
    .option('--init', 'initialize the repo first if it does not exist', false)
    .addOption(new Option('--init-profile <name>', 'profile for --init').choices(profileNames).default('public'))
    .action(async (opts: { init: boolean, initProfile: ProfileName }, self: Commander) => {
      const globals = self.optsWithGlobals<GlobalOptions>()
      const root = resolveRepoPath(globals.repo)
      // loaded here, as everything below: the other commands start faster without the node
      const { initRepo, repoExists } = await import('../node/repo/repo.js')
      if (opts.init && !await repoExists(root)) {
        await initRepo(root, opts.initProfile)
        say(`initialized cairn repo at ${root}`)
      }
      await runUntilSignal('Daemon', async () => {
        say('Initializing daemon...')
        say(`Cairn version: ${version}`)
        say(`Repo: ${root}`)
        const [{ startRpcServer }, { startGateway }, { startPinningServer }, { startDaemon }] = await Promise.all([
          import('../gateway/rpc/server.js'),
          import('../gateway/server.js'),
          import('../gateway/pinning/server.js'),
          import('../node/daemon.js')
        ])
        return await startDaemon({ root, api: startRpcServer, gateway: startGateway, pinning: startPinningServer, onLockWait: sayLockWait })
      })
    })
}
