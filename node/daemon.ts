import { rm, writeFile, rename } from 'node:fs/promises'
import { createOnlineNode, type OnlineNodeOptions } from './network/online-node.js'
import { openRepo } from './repo/repo.js'
import { createNode, type CairnNode } from './node.js'
import { offerGateway } from './network/gateway-offer.js'
import type { Config } from '../config/config.js'
import type { Libp2p } from '@libp2p/interface'

/** An HTTP server the daemon runs beside the node (RPC API, gateway). */
export interface DaemonServer {
  /** Base URL, e.g. `http://127.0.0.1:5001`. */
  url: string
  /** The real bound address as a multiaddr, when the server reports it. */
  multiaddr?: string
  close(): Promise<void>
}

/** Starts a server for a node on a listen multiaddr (port 0 picks a free port). */
export type ServerStarter = (node: CairnNode, listen: string) => Promise<DaemonServer>

/** Options for {@link startDaemon}. */
export interface DaemonOptions extends OnlineNodeOptions {
  root: string
  /** Starts the RPC API (its bound multiaddr goes to `<repo>/api`). */
  api?: ServerStarter
  /** Starts the gateway. */
  gateway?: ServerStarter
  /** Starts the Pinning Service API (when `Addresses.PinningAPI` is not empty). */
  pinning?: ServerStarter
  /** Environment for CAIRN_API / CAIRN_GATEWAY / CAIRN_PINNING_API (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Opens the node without network (no libp2p): it serves only what the repo holds. */
  offline?: boolean
  /** Called when the repo lock is busy and the daemon waits for it (with the holder's pid, if known). */
  onLockWait?: (pid: number | undefined) => void
}

/**
 * How long a starting daemon waits for the repo lock: long enough for a short CLI
 * command (`cairn id` started a moment earlier) to finish, short enough to fail
 * clearly when another daemon holds the repo.
 */
export const daemonLockWaitMs = 5000

/** A running daemon. */
export interface Daemon {
  node: CairnNode
  peerId: string
  /** Swarm listen addresses (without `/p2p/…`). */
  swarm: string[]
  api?: DaemonServer
  gateway?: DaemonServer
  pinning?: DaemonServer
  /** Removes `<repo>/api`, closes the servers, stops the node (connections, lock). Idempotent. */
  stop(): Promise<void>
}

/**
 * The RPC API, gateway and Pinning Service API listen addresses: CAIRN_API /
 * CAIRN_GATEWAY / CAIRN_PINNING_API override the config. An empty `pinning` means off.
 */
export function listenAddresses (config: Config, env: NodeJS.ProcessEnv = process.env): { api: string, gateway: string, pinning: string } {
  const pick = (value: string | undefined, fallback: string): string => value != null && value.trim() !== '' ? value.trim() : fallback
  return {
    api: pick(env.CAIRN_API, config.Addresses.API),
    gateway: pick(env.CAIRN_GATEWAY, config.Addresses.Gateway),
    pinning: pick(env.CAIRN_PINNING_API, config.Addresses.PinningAPI)
  }
}

/**
 * Starts the daemon on the repo at `root`: takes the repo lock (waiting up to
 * {@link daemonLockWaitMs} for a CLI command that holds it), brings the node online
 * (or opens it offline with `offline`),
 * starts the RPC API and writes its real bound multiaddr to `<repo>/api` (as Kubo does),
 * then the gateway and the Pinning Service API. Anything that fails half-way is undone before the error is thrown.
 */
export async function startDaemon (options: DaemonOptions): Promise<Daemon> {
  const repo = await openRepo(options.root, {
    waitMs: daemonLockWaitMs,
    ...(options.onLockWait != null ? { onWait: options.onLockWait } : {})
  })
  let node: CairnNode
  try {
    node = options.offline === true ? await createNode(repo) : await createOnlineNode(repo, options)
  } catch (err) {
    await repo.close()
    throw err
  }
  const listen = listenAddresses(repo.config, options.env)
  const libp2p = node.online ? (node.helia as typeof node.helia & { libp2p: Libp2p }).libp2p : undefined
  const apiFile = repo.paths.api
  let api: DaemonServer | undefined
  let gateway: DaemonServer | undefined
  let pinning: DaemonServer | undefined
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      await rm(apiFile, { force: true })
      await Promise.allSettled([pinning?.close(), gateway?.close(), api?.close()])
      await node.stop()
    })()
    await stopping
  }
  try {
    if (options.api != null) {
      api = await options.api(node, listen.api)
      const tmp = `${apiFile}.${process.pid}.tmp`
      await writeFile(tmp, api.multiaddr ?? listen.api)
      await rename(tmp, apiFile)
    }
    if (options.gateway != null) {
      gateway = await options.gateway(node, listen.gateway)
      // peers may fetch whole DAGs from it (HTTPRetrieval.Peers on their side)
      if (libp2p != null && gateway.multiaddr != null) await offerGateway(libp2p, gateway.multiaddr)
    }
    if (options.pinning != null && listen.pinning !== '') {
      pinning = await options.pinning(node, listen.pinning)
    }
  } catch (err) {
    await stop()
    throw err
  }
  return {
    node,
    peerId: libp2p?.peerId.toString() ?? repo.config.Identity.PeerID,
    swarm: libp2p?.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, '')) ?? [],
    ...(api != null ? { api } : {}),
    ...(gateway != null ? { gateway } : {}),
    ...(pinning != null ? { pinning } : {}),
    stop
  }
}
