// Many providers, one fetcher (the item 2): four daemons, each behind a TCP proxy
// that paces its link to 25 MiB/s, serve one file to a fifth; the fetcher dials each
// provider only through its proxy, so every block it gets has crossed a paced link.
import { join } from 'node:path'
import { mibs, seconds } from './ceilings.js'
import { cairnEnv, runCairn, startCairnServer, type CairnServer } from './cli-runner.js'
import { patternStream } from './data.js'
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy.js'
import { figure, type Figure } from './table.js'

const MiB = 1024 * 1024
const linkMibs = 25

/**
 * A daemon on a fresh `local` repo, with `Routing.Type` none: the DHT would hand out the
 * providers' own addresses and the nodes would dial around the proxies. Bitswap asks the
 * connected peers (not their gateways: `HTTPRetrieval.Peers` false). `listen: false` leaves the node no listener, so nobody dials it.
 */
async function daemonOn (repo: string, listen = true): Promise<{ env: Record<string, string>, server: CairnServer }> {
  const env = cairnEnv(repo)
  await runCairn(['init', '--profile', 'local'], env)
  await runCairn(['config', 'Routing.Type', 'none'], env)
  // the providers' gateways are not behind the proxies: a CAR stream from one would go
  // around the paced links, and this figure is about wants spread over several providers
  await runCairn(['config', 'HTTPRetrieval.Peers', 'false', '--json'], env)
  if (!listen) await runCairn(['config', 'Addresses.Swarm', '--json', '[]'], env)
  return { env, server: await startCairnServer(['daemon'], env) }
}

/** The daemon's peer ID and the port of its TCP (not WebSocket) listener. */
async function tcpListener (env: Record<string, string>): Promise<{ peer: string, port: number }> {
  const id = JSON.parse(await runCairn(['id', '--json'], env)) as { ID: string, Addresses: string[] }
  const port = Number(/^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)(\/p2p\/|$)/.exec(id.Addresses.find(a => /\/tcp\/\d+(\/p2p\/|$)/.test(a)) ?? '')?.[1])
  if (Number.isNaN(port)) throw new Error(`no loopback TCP address in ${id.Addresses.join(' ')}`)
  return { peer: id.ID, port }
}

/** `cairn cat` on the fetcher; the rate, after checking the bytes all crossed the proxies. */
async function fetchRate (env: Record<string, string>, cid: string, size: number, proxies: ThrottleProxy[]): Promise<number> {
  const relayed = (): number => proxies.reduce((sum, p) => sum + p.bytesOut, 0)
  const before = relayed()
  let got = 0
  const time = await seconds(async () => await runCairn(['cat', cid], env, undefined, chunk => { got += chunk.length }))
  if (got !== size) throw new Error(`cat gave ${got} bytes, expected ${size}`)
  if (relayed() - before < size) throw new Error(`only ${relayed() - before} bytes crossed the paced links for a ${size}-byte file`)
  return mibs(size, time)
}

/** One provider's rate, then four providers' rate, each provider behind a 25 MiB/s link. */
export async function benchProviders (dir: string, size: number, label: string, figures: Figure[]): Promise<void> {
  const fetcher = await daemonOn(join(dir, 'fetcher'), false)
  const providers: Array<Awaited<ReturnType<typeof daemonOn>>> = []
  const proxies: ThrottleProxy[] = []
  try {
    for (let i = 0; i < 4; i++) {
      const provider = await daemonOn(join(dir, `provider-${i}`))
      providers.push(provider)
      const { peer, port } = await tcpListener(provider.env)
      const proxy = await startThrottleProxy(port, linkMibs * MiB)
      proxies.push(proxy)
      await runCairn(['swarm', 'connect', `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${peer}`], fetcher.env)
    }
    const addTo = async (env: Record<string, string>, seed: number): Promise<string> => (await runCairn(['add', '-q', '--pin=false'], env, patternStream(size, seed))).trim()
    const alone = await addTo((providers[0] as typeof fetcher).env, 200)
    const shared = await Promise.all(providers.map(async p => await addTo(p.env, 201)))
    if (new Set(shared).size !== 1) throw new Error(`the providers added the same bytes as different CIDs: ${shared.join(' ')}`)

    const one = figure(`peer fetch ${size / MiB} MiB from 1 provider behind a ${linkMibs} MiB/s link${label}`, 'MiB/s', 'the link', '—')
    const four = figure(`peer fetch ${size / MiB} MiB from 4 providers, each behind a ${linkMibs} MiB/s link${label}`, 'MiB/s', '4 links', '≥ 3 × one provider')
    one.cairn.push(await fetchRate(fetcher.env, alone, size, proxies))
    one.ceiling.push(linkMibs)
    const before = proxies.map(p => p.bytesOut)
    four.cairn.push(await fetchRate(fetcher.env, shared[0] as string, size, proxies))
    four.ceiling.push(4 * linkMibs)
    const shares = proxies.map((p, i) => ((p.bytesOut - (before[i] as number)) / MiB).toFixed(0))
    four.note = `${((four.cairn[0] as number) / (one.cairn[0] as number)).toFixed(2)} × one provider; MiB each provider's link carried: ${shares.join(', ')}; links: a pacing TCP proxy per provider (bench/throttle-proxy.ts), the fetcher dials only those`
    figures.push(one, four)
  } finally {
    for (const p of proxies) await p.stop()
    for (const p of providers) await p.server.stop()
    await fetcher.server.stop()
  }
}
