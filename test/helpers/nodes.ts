import '../../node/polyfill.js'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { validateConfig, type Config } from '../../config/config.js'
import { createOnlineNode } from '../../node/network/online-node.js'
import { initRepo, openRepo, writeConfigFile } from '../../node/repo/repo.js'
import { repoPaths } from '../../node/repo/paths.js'
import { cliPath, tempDir } from './cli.js'
import type { CairnNode } from '../../node/node.js'
import type { Libp2p } from '@libp2p/interface'

/** Options for {@link startNode} and {@link startNodes}. */
export interface StartNodeOptions {
  /** Changes the `local`-profile config before the node opens (e.g. a short Fetch.Timeout). */
  configure?: (config: Config) => void
  /** Contents of `<repo>/swarm.key` (see generateSwarmKey). */
  swarmKey?: string
  /** Folder to create the repo in (default: a new temp folder, removed by stop). */
  dir?: string
  /** Delay before the first reprovide sweep, ms (default: no sweep during a test, 1 h). */
  initialReprovideDelay?: number
}

/** A real online node on loopback, in this process. */
export interface TestNode {
  node: CairnNode
  libp2p: Libp2p
  /** The repo folder. */
  repo: string
  peerId: string
  /** Listen addresses with `/p2p/<id>` (TCP first). */
  addrs: string[]
  /** Stops the node and removes its temp folder (safe to call twice). */
  stop(): Promise<void>
}

/** Creates a `local` repo at `root` (in-process init), applies `configure`, writes `swarm.key`. */
export async function initTestRepo (root: string, options: StartNodeOptions = {}): Promise<Config> {
  let config = await initRepo(root, 'local')
  if (options.configure != null) {
    const copy = structuredClone(config)
    options.configure(copy)
    config = validateConfig(copy)
    await writeConfigFile(repoPaths(root).config, config)
  }
  if (options.swarmKey != null) {
    await writeFile(repoPaths(root).swarmKey, options.swarmKey)
  }
  return config
}

/** Starts one online node with the `local` profile (127.0.0.1, random ports). */
export async function startNode (options: StartNodeOptions = {}): Promise<TestNode> {
  const dir = options.dir != null ? undefined : await tempDir('cairn-node-')
  const root = join(options.dir ?? (dir as { path: string }).path, 'repo')
  await initTestRepo(root, options)
  const node = await createOnlineNode(await openRepo(root), { initialReprovideDelay: options.initialReprovideDelay ?? 3_600_000 })
  const libp2p = (node.helia as typeof node.helia & { libp2p: Libp2p }).libp2p
  let stopped = false
  const addrs = libp2p.getMultiaddrs().map(String).sort((a, b) => Number(a.includes('/ws')) - Number(b.includes('/ws')))
  return {
    node,
    libp2p,
    repo: root,
    peerId: libp2p.peerId.toString(),
    addrs,
    async stop () {
      if (stopped) return
      stopped = true
      await node.stop()
      await dir?.cleanup()
    }
  }
}

/** Starts `count` nodes (not connected to each other). Stop them with {@link stopNodes}. */
export async function startNodes (count: number, options: StartNodeOptions = {}): Promise<TestNode[]> {
  const nodes: TestNode[] = []
  try {
    for (let i = 0; i < count; i++) nodes.push(await startNode(options))
  } catch (err) {
    await stopNodes(nodes)
    throw err
  }
  return nodes
}

/** Stops every node, ignoring ones already stopped. */
export async function stopNodes (nodes: TestNode[]): Promise<void> {
  await Promise.allSettled(nodes.map(async n => { await n.stop() }))
}

/** Dials `b` from `a` over TCP and waits until the connection is up. */
export async function connectNodes (a: TestNode, b: TestNode): Promise<void> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  await a.libp2p.dial(multiaddr(b.addrs[0] as string), { signal: AbortSignal.timeout(10_000) })
}

/** Polls `check` every `interval` ms until it returns a truthy value or `timeout` ms pass. */
export async function waitFor<T> (check: () => Promise<T | undefined | false> | T | undefined | false, timeout = 10_000, interval = 100): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`)
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}

/** `/ip4/127.0.0.1/tcp/5001` → `http://127.0.0.1:5001`. */
export function multiaddrToUrl (addr: string): string {
  const m = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)/.exec(addr)
  if (m == null) throw new Error(`not a TCP multiaddr: ${addr}`)
  return `http://${m[1] === '6' ? `[${m[2] as string}]` : m[2] as string}:${m[3] as string}`
}

/** A `cairn daemon` child process that has printed "Daemon is ready". */
export interface DaemonProcess {
  child: ChildProcessWithoutNullStreams
  pid: number
  peerId: string
  /** `Swarm listening on` addresses. */
  swarm: string[]
  /** RPC API multiaddr and URL (as printed), when the daemon started one. */
  api?: string
  apiUrl?: string
  /** Gateway URL (as printed), when the daemon started one. */
  gatewayUrl?: string
  /** Pinning Service API URL (as printed), when the daemon started one. */
  pinningUrl?: string
  /** Everything printed so far. */
  stdout(): string
  stderr(): string
  /** Sends a signal (default SIGTERM) and waits for exit (bounded: SIGKILL after 15 s). */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Options for {@link startDaemon}. */
export interface StartDaemonOptions {
  env?: Record<string, string>
  /** The CLI arguments (default `['daemon']`; e.g. `['gateway', '--offline']`). */
  args?: string[]
  /** How long to wait for "Daemon is ready" (default 30 s). */
  timeout?: number
  /** Node options before the CLI path (e.g. `--expose-gc`). */
  execArgv?: string[]
}

/**
 * Starts the built CLI's `cairn daemon` on `repo` with the RPC API and gateway on random
 * loopback ports (CAIRN_API / CAIRN_GATEWAY / CAIRN_PINNING_API `/ip4/127.0.0.1/tcp/0`), and waits for
 * "Daemon is ready". Rejects with the daemon's output if it exits or the wait times out.
 */
export async function startDaemon (repo: string, options: StartDaemonOptions = {}): Promise<DaemonProcess> {
  const env = {
    ...process.env,
    CAIRN_PATH: repo,
    CAIRN_API: '/ip4/127.0.0.1/tcp/0',
    CAIRN_GATEWAY: '/ip4/127.0.0.1/tcp/0',
    CAIRN_PINNING_API: '/ip4/127.0.0.1/tcp/0',
    ...options.env
  }
  const args = options.args ?? ['daemon']
  const child = spawn(process.execPath, [...(options.execArgv ?? []), cliPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null, signal: NodeJS.Signals | null }> => {
    if (child.exitCode == null && child.signalCode == null) child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }
  const timeout = options.timeout ?? 30_000
  const ready = await Promise.race([
    waitFor(() => out.includes('Daemon is ready'), timeout, 50).then(() => true),
    exited.then(() => false)
  ]).catch(() => false)
  if (!ready) {
    await stop('SIGKILL')
    throw new Error(`cairn ${args.join(' ')} did not become ready within ${timeout} ms\nstdout:\n${out}\nstderr:\n${err}`)
  }
  const match = (re: RegExp): string | undefined => re.exec(out)?.[1]
  const api = match(/RPC API server listening on (\S+)/)
  const apiUrl = api != null ? multiaddrToUrl(api) : undefined
  const gateway = match(/Gateway server listening on (\S+)/)
  const gatewayUrl = gateway != null ? multiaddrToUrl(gateway) : undefined
  const pinning = match(/Pinning Service API listening on (\S+)/)
  const pinningUrl = pinning != null ? multiaddrToUrl(pinning) : undefined
  return {
    child,
    pid: child.pid as number,
    peerId: match(/PeerID: (\S+)/) ?? '',
    swarm: [...out.matchAll(/Swarm listening on (\S+)/g)].map(m => m[1] as string),
    ...(api != null ? { api } : {}),
    ...(apiUrl != null ? { apiUrl } : {}),
    ...(gatewayUrl != null ? { gatewayUrl } : {}),
    ...(pinningUrl != null ? { pinningUrl } : {}),
    stdout: () => out,
    stderr: () => err,
    stop
  }
}
