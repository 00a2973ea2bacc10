import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Where each part of a repo lives on disk. */
export interface RepoPaths {
  root: string
  config: string
  blocks: string
  /** Block files that failed their hash on read, moved out of `blocks/`. */
  corrupt: string
  datastore: string
  lock: string
  /** The daemon's RPC multiaddr, present while it runs (as Kubo's `api` file). */
  api: string
  swarmKey: string
  denylists: string
  /** Named keys other than `self` (the node identity, kept in the config). */
  keystore: string
}

/** The repo path: `--repo`, else `CAIRN_PATH`, else `~/.cairn`. */
export function resolveRepoPath (flag?: string): string {
  return resolve(flag ?? process.env.CAIRN_PATH ?? join(homedir(), '.cairn'))
}

/** The file layout of the repo at `root`. */
export function repoPaths (root: string): RepoPaths {
  return {
    root,
    config: join(root, 'config.json'),
    blocks: join(root, 'blocks'),
    corrupt: join(root, 'corrupt'),
    datastore: join(root, 'datastore'),
    lock: join(root, 'repo.lock'),
    api: join(root, 'api'),
    swarmKey: join(root, 'swarm.key'),
    denylists: join(root, 'denylists'),
    keystore: join(root, 'keystore')
  }
}
