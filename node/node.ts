import { contentBlocks, type PieceSource } from './unixfs/whole-blocks.js'
import { networkFetch } from './network/block-fetch.js'
import { PeerGateways } from './network/gateway-offer.js'
import { forgetLastSweep } from './network/sweep-record.js'
import { ReadBudget } from './unixfs/read-budget.js'
import { DirectoryCache } from './content/directory-cache.js'
import { parseByteSize } from './repo/stat.js'
import type { Helia } from 'helia'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import type { Repo } from './repo/repo.js'
import type { Config } from '../config/config.js'
import type { NetworkServices } from './network/services.js'
import type { Denylist } from './denylist/denylist.js'
import type { PeerCarSources } from './network/peer-car-fetch.js'
import type { Libp2p } from '@libp2p/interface'
import { openDenylist } from './denylist/denylist.js'
import { createGcLock, type GcLock } from './pins/gc-lock.js'
import { Datasets } from './datasets/datasets.js'
import { Names } from './names/names.js'
import { Keystore } from './names/keystore.js'
import { loadPrivateKey } from './repo/identity.js'

/** Directory blocks kept decoded for path resolution (a 1000-entry directory is ~50 KiB). */
const directoryCacheBytes = 8 * 1024 * 1024

/** What a running Cairn node offers to commands and the gateway. */
export interface CairnNode {
  readonly repo: Repo
  readonly config: Config
  readonly helia: Helia
  readonly fs: UnixFS
  /** Blocks as content reads take them: whole, hash-checked, refetched once when corrupt and online (node/blocks.ts). */
  readonly blocks: PieceSource
  /** Bytes of file blocks read ahead by all reads together (`Datastore.ReadAheadBudget`). */
  readonly readBudget: ReadBudget
  /** Decoded UnixFS directories that paths are resolved through (8 MiB of directory blocks). */
  readonly directories: DirectoryCache
  /** False while the node has no network (CLI without daemon): missing blocks fail fast. */
  readonly online: boolean
  /**
   * Queues CIDs to be provided to the network, without waiting for the network. Call it
   * after add, pin and import. Offline it forgets the last reprovide sweep, so that the
   * daemon's reprovider sweeps every CID the strategy covers soon after it starts.
   */
  announce(cids: CID[]): Promise<void>
  /** Online only: provide queue, reprovider and bitswap counters (node/network). */
  readonly network?: NetworkServices
  /** Keys, IPNS records and DNSLink (node/names). */
  readonly names: Names
  /** Held shared by writes that end in a pin, exclusively by GC (node/pins/gc-lock). */
  readonly gcLock: GcLock
  /** The repo's denylists: blocked content is neither served, fetched nor announced. */
  readonly denylist: Denylist
  /** Published and followed datasets (node/datasets). */
  readonly datasets: Datasets
  stop(): Promise<void>
}

/** Options for {@link createNode}. */
export interface CreateNodeOptions {
  /** Extra Helia composition (libp2p, bitswap, routers) applied before start; offline when absent. */
  network?: (helia: Helia, repo: Repo) => Promise<Helia>
  /** Receives CIDs passed to {@link CairnNode.announce} (the daemon's provide queue). */
  announce?: (cids: CID[]) => void
  /** Background network services: started after Helia, stopped before it. */
  services?: NetworkServices
  /** The denylist the network parts already use; one is opened on the repo's folder otherwise. */
  denylist?: Denylist
}

/**
 * Composes a node over an open repo: Helia on the repo's blockstore and datastore, plus
 * UnixFS. The repo is closed when the node stops.
 */
export async function createNode (repo: Repo, options: CreateNodeOptions = {}): Promise<CairnNode> {
  // loaded here, not at the top: importing Helia costs most of a second, which commands
  // that never open a node (init, --help, usage errors, all through a daemon) should not pay
  const [{ createHeliaLight }, { unixfs }, dagCbor, dagJson, json, { fixProtonsUint64 }] = await Promise.all([
    import('./helia-light.js'),
    import('@helia/unixfs'),
    import('@ipld/dag-cbor'),
    import('@ipld/dag-json'),
    import('multiformats/codecs/json'),
    import('./protons-uint64-fix.js')
  ])
  // protons-runtime mis-encodes uint64 values in [2^31, 2^32): corrupt roots for 2–4 GiB files
  await fixProtonsUint64()
  let helia: Helia = await createHeliaLight({
    blockstore: repo.blockstore,
    datastore: repo.datastore,
    codecs: [dagCbor, dagJson, json]
  })
  if (options.network != null) {
    helia = await options.network(helia, repo)
  }
  await helia.start()
  await options.services?.start(helia)
  const services = options.services
  const denylist = options.denylist ?? openDenylist(repo.paths.denylists)
  const stopping = new AbortController()
  const libp2p = options.network != null ? (helia as Helia & { libp2p?: Libp2p }).libp2p : undefined
  // connected Cairn peers' gateways as a source of whole DAGs (HTTPRetrieval.Peers)
  const peers: PeerCarSources | undefined = libp2p != null && repo.config.HTTPRetrieval.Peers
    ? { gateways: new PeerGateways(libp2p), blocked: async cid => denylist.isBlockedNow(cid) ?? await denylist.isBlocked(cid), signal: stopping.signal }
    : undefined
  const names = new Names({
    datastore: repo.datastore,
    config: repo.config,
    keystore: new Keystore(repo.paths.keystore, loadPrivateKey(repo.config.Identity)),
    libp2p: () => services?.libp2p
  })
  names.start()
  const node: CairnNode = {
    repo,
    get config () { return repo.config },
    helia,
    fs: unixfs(helia),
    blocks: contentBlocks(helia, repo.blockstore, options.network != null ? networkFetch(helia, repo.blockstore, peers) : undefined),
    readBudget: new ReadBudget(parseByteSize(repo.config.Datastore.ReadAheadBudget)),
    directories: new DirectoryCache(directoryCacheBytes),
    online: options.network != null,
    async announce (cids) {
      if (options.announce != null) options.announce(cids)
      else if (cids.length > 0) await forgetLastSweep(repo.datastore)
    },
    ...(options.services != null ? { network: options.services } : {}),
    names,
    gcLock: createGcLock(),
    denylist,
    // given the node itself once made (it is only called after this)
    datasets: new Datasets(repo.datastore, () => node),
    async stop () {
      stopping.abort()
      await node.datasets.stop()
      names.stop()
      await options.services?.stop()
      await helia.stop()
      await repo.close()
    }
  }
  node.datasets.start()
  return node
}
