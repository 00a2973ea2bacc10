import { Key, type Datastore } from 'interface-datastore'

/** How far a sync got: blocks and bytes walked (held or fetched), and the DAG's size when its root tells it. */
export interface SyncProgress {
  blocks: number
  bytes: number
  /** From the root's links (dag-pb `Tsize`), when the root is dag-pb. */
  bytesTotal?: number
}

/** A peer seen holding a dataset's current root. */
export interface SeenPeer {
  /** ISO time it was last seen. */
  lastSeen: string
  /** How: a DHT provider record, or a bitswap HAVE answer. */
  via: Array<'dht' | 'have'>
}

/** One dataset as the repo keeps it. */
export interface DatasetState {
  /** The local name (`dataset ls`, `dataset sync <name>`); a publisher's is its key's name. */
  name: string
  /** The followed name: `k51…` or a DNSLink domain. */
  ipnsName: string
  role: 'publisher' | 'follower'
  /** The newest complete version, pinned. */
  cid?: string
  /** The version being fetched, not yet complete. */
  target?: string
  state: 'syncing' | 'synced' | 'error'
  /** Why the last check failed (state `error`). */
  error?: string
  progress?: SyncProgress
  /** ISO times. */
  lastCheck?: string
  lastChange?: string
  /** Peers seen holding `cid` (`dataset status`), by peer ID. */
  peers: Record<string, SeenPeer>
}

const prefix = '/cairn/datasets/'

function keyOf (name: string): Key {
  return new Key(prefix + encodeURIComponent(name))
}

/**
 * The datasets of a repo in its datastore, one JSON entry per dataset, so following
 * survives a restart. Read once, then kept in memory (one process holds the repo).
 */
export class DatasetStore {
  private readonly datastore: Datastore
  private cache: Promise<Map<string, DatasetState>> | undefined

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  async list (): Promise<DatasetState[]> {
    return [...(await this.all()).values()].map(d => structuredClone(d)).sort((a, b) => a.name.localeCompare(b.name))
  }

  async get (name: string): Promise<DatasetState | undefined> {
    const found = (await this.all()).get(name)
    return found != null ? structuredClone(found) : undefined
  }

  async put (state: DatasetState): Promise<void> {
    await this.datastore.put(keyOf(state.name), new TextEncoder().encode(JSON.stringify(state)))
    ;(await this.all()).set(state.name, structuredClone(state))
  }

  async delete (name: string): Promise<void> {
    await this.datastore.delete(keyOf(name))
    ;(await this.all()).delete(name)
  }

  private async all (): Promise<Map<string, DatasetState>> {
    this.cache ??= (async () => {
      const map = new Map<string, DatasetState>()
      for await (const { value } of this.datastore.query({ prefix })) {
        const state = JSON.parse(new TextDecoder().decode(value)) as DatasetState
        map.set(state.name, state)
      }
      return map
    })()
    return await this.cache
  }
}
