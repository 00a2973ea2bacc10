// Many providers, one fetcher (the item 2): four daemons, each behind a link paced
// to 25 MiB/s, serve one file to a fetcher; the fetcher reaches each provider only through
// its link (libp2p and the gateway a Cairn peer offers for CAR streams alike), so every
// block it gets has crossed a paced link. Two fetchers: one as configured by default
// (`HTTPRetrieval.Peers` true: a connected peer's gateway may stream the whole DAG), one
// with bitswap alone.
import { join } from 'node:path'
import { mibs, seconds } from './ceilings.js'
import { cairnEnv, listeningOn, runCairn, startCairnServer, type CairnServer } from './cli-runner.js'
import { patternStream } from './data.js'
import { PacedLink } from './throttle-proxy.js'
import { figure, type Figure } from './table.js'

const MiB = 1024 * 1024
const linkMibs = 25

interface Daemon { env: Record<string, string>, server: CairnServer }

/**
 * A daemon on a fresh `local` repo, with `Routing.Type` none: the DHT would hand out the
 * providers' own addresses and the nodes would dial around the links. `config` is set
 * before it starts; an empty `Addresses.Swarm` leaves a fetcher no listener, so nobody dials it.
 */
async function daemonOn (repo: string, config: Record<string, unknown> = {}): Promise<Daemon> {
  const env = cairnEnv(repo)
  await runCairn(['init', '--profile', 'local'], env)
  for (const [key, value] of Object.entries({ 'Routing.Type': 'none', ...config })) await runCairn(['config', '--json', key, JSON.stringify(value)], env)
  return { env, server: await startCairnServer(['daemon'], env) }
}

/** The daemon's peer ID and the port of its TCP (not WebSocket) listener. */
async function tcpListener (env: Record<string, string>): Promise<{ peer: string, port: number }> {
  const id = JSON.parse(await runCairn(['id', '--json'], env)) as { ID: string, Addresses: string[] }
  const port = Number(/^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)(\/p2p\/|$)/.exec(id.Addresses.find(a => /\/tcp\/\d+(\/p2p\/|$)/.test(a)) ?? '')?.[1])
  if (Number.isNaN(port)) throw new Error(`no loopback TCP address in ${id.Addresses.join(' ')}`)
  return { peer: id.ID, port }
}

/**
 * Puts a provider behind `link`: its libp2p listener behind a proxy on ::1, and its gateway
 * (on 127.0.0.1) behind a proxy on the same port of ::1, where a fetcher connected over ::1
 * addresses the gateway the provider offers. Returns the multiaddr to dial.
 */
async function behind (link: PacedLink, provider: Daemon): Promise<string> {
  const { peer, port } = await tcpListener(provider.env)
  const gateway = listeningOn(provider.server.output, 'Gateway server')
  await link.proxy(gateway.port, { host: '::1', port: gateway.port })
  return `/ip6/::1/tcp/${await link.proxy(port, { host: '::1', port: 0 })}/p2p/${peer}`
}

/** `cairn cat` on the fetcher; the rate, after checking the bytes all crossed the links. */
async function fetchRate (env: Record<string, string>, cid: string, size: number, links: PacedLink[]): Promise<number> {
  const relayed = (): number => links.reduce((sum, l) => sum + l.bytesOut, 0)
  const before = relayed()
  let got = 0
  const time = await seconds(async () => await runCairn(['cat', cid], env, undefined, chunk => { got += chunk.length }))
  if (got !== size) throw new Error(`cat gave ${got} bytes, expected ${size}`)
  if (relayed() - before < size) throw new Error(`only ${relayed() - before} bytes crossed the paced links for a ${size}-byte file`)
  return mibs(size, time)
}

/** One provider's rate, then four providers' rate, each provider behind a 25 MiB/s link, for each fetcher. */
export async function benchProviders (dir: string, size: number, label: string, figures: Figure[]): Promise<void> {
  const fetchers = [
    { name: 'HTTPRetrieval.Peers true, the default', daemon: await daemonOn(join(dir, 'fetcher-default'), { 'Addresses.Swarm': [] }) },
    { name: 'bitswap only', daemon: await daemonOn(join(dir, 'fetcher-bitswap'), { 'Addresses.Swarm': [], 'HTTPRetrieval.Peers': false }) }
  ]
  const providers: Daemon[] = []
  const links: PacedLink[] = []
  try {
    for (let i = 0; i < 4; i++) {
      const provider = await daemonOn(join(dir, `provider-${i}`))
      providers.push(provider)
      const link = new PacedLink(linkMibs * MiB)
      links.push(link)
      const addr = await behind(link, provider)
      for (const { daemon } of fetchers) await runCairn(['swarm', 'connect', addr], daemon.env)
    }
    const addTo = async (env: Record<string, string>, seed: number): Promise<string> => (await runCairn(['add', '-q', '--pin=false'], env, patternStream(size, seed))).trim()
    const alone = await addTo((providers[0] as Daemon).env, 200)
    const shared = await Promise.all(providers.map(async p => await addTo(p.env, 201)))
    if (new Set(shared).size !== 1) throw new Error(`the providers added the same bytes as different CIDs: ${shared.join(' ')}`)

    const rows = fetchers.map(({ name }) => ({
      one: figure(`peer fetch ${size / MiB} MiB from 1 provider behind a ${linkMibs} MiB/s link${label} (${name})`, 'MiB/s', 'the link', '—'),
      four: figure(`peer fetch ${size / MiB} MiB from 4 providers, each behind a ${linkMibs} MiB/s link${label} (${name})`, 'MiB/s', '4 links', '≥ 3 × one provider')
    }))
    // interleaved: one provider for each fetcher, then four for each
    for (const [i, { daemon }] of fetchers.entries()) {
      const { one } = rows[i] as typeof rows[number]
      one.cairn.push(await fetchRate(daemon.env, alone, size, links))
      one.ceiling.push(linkMibs)
    }
    for (const [i, { daemon }] of fetchers.entries()) {
      const { one, four } = rows[i] as typeof rows[number]
      const before = links.map(l => l.bytesOut)
      four.cairn.push(await fetchRate(daemon.env, shared[0] as string, size, links))
      four.ceiling.push(4 * linkMibs)
      const shares = links.map((l, j) => ((l.bytesOut - (before[j] as number)) / MiB).toFixed(0))
      four.note = `${((four.cairn[0] as number) / (one.cairn[0] as number)).toFixed(2)} × one provider; MiB each provider's link carried: ${shares.join(', ')}; links: pacing TCP proxies per provider, libp2p and gateway sharing each link's rate (bench/throttle-proxy.ts), the fetcher dials only those`
    }
    for (const { one, four } of rows) figures.push(one, four)
  } finally {
    for (const l of links) await l.stop()
    for (const p of providers) await p.server.stop()
    for (const { daemon } of fetchers) await daemon.server.stop()
  }
}
