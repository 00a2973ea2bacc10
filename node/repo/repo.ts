import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { applyProfile, defaultConfig, validateConfig, type Config } from '../../config/config.js'
import { ConfigError, RepoExistsError, RepoMissingError } from '../errors.js'
import { createIdentity, loadPrivateKey } from './identity.js'
import { acquireLock, type AcquireLockOptions, type RepoLock } from './lock.js'
import { repoPaths, type RepoPaths } from './paths.js'
import type { ProfileName } from '../../config/profiles.js'
import type { SyncingBlockstore } from './syncing-blockstore.js'
import type { SyncingDatastore } from './syncing-datastore.js'

/** An open repo: its config, its stores, and the lock that keeps other processes out. */
export interface Repo {
  paths: RepoPaths
  config: Config
  /** Block files; `sync()` puts the blocks written so far on stable storage (`Datastore.Sync`). */
  blockstore: SyncingBlockstore
  /** Pins, names and the rest (LevelDB); `sync()` puts its writes so far on stable storage. */
  datastore: SyncingDatastore
  /** Validates a new config (schema and identity), writes it atomically, and makes it current. */
  saveConfig(config: Config): Promise<void>
  close(): Promise<void>
}

/** True when `root` holds a repo (its config.json exists). */
export async function repoExists (root: string): Promise<boolean> {
  try {
    await stat(repoPaths(root).config)
    return true
  } catch {
    return false
  }
}

/**
 * Creates a repo: a fresh identity, the profile's config, the block and data stores.
 * Refuses, touching nothing, when a repo is already there.
 */
export async function initRepo (root: string, profile: ProfileName): Promise<Config> {
  const paths = repoPaths(root)
  if (await repoExists(root)) {
    throw new RepoExistsError(`a repo already exists at ${root}`)
  }
  const config = defaultConfig(await createIdentity(), profile)
  await mkdir(paths.blocks, { recursive: true })
  await mkdir(paths.datastore, { recursive: true })
  // the config is written last: its presence is what marks a repo as initialised
  await writeConfigFile(paths.config, config)
  return config
}

/** Reads and validates config.json without opening the stores (no lock needed). */
export async function readConfig (root: string): Promise<Config> {
  const paths = repoPaths(root)
  let text: string
  try {
    text = await readFile(paths.config, 'utf8')
  } catch {
    throw new RepoMissingError(`no repo at ${root} (run "cairn init" to create one)`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${paths.config} is not valid JSON`, { cause: err })
  }
  return validateConfig(raw)
}

/**
 * Opens the repo at `root`: validates the config, takes the lock (waiting as `lock`
 * says), removes an `api` file left by a daemon that died (no daemon can be running
 * while we hold the lock), and opens the stores.
 */
export async function openRepo (root: string, lock: AcquireLockOptions = {}): Promise<Repo> {
  const paths = repoPaths(root)
  let config = await readConfig(root)
  // loaded here: reading the config alone (readConfig) needs neither store
  const [{ SyncingBlockstore }, { SyncingDatastore }] = await Promise.all([import('./syncing-blockstore.js'), import('./syncing-datastore.js')])
  const held: RepoLock = await acquireLock(paths.lock, lock)
  try {
    await rm(paths.api, { force: true })
    const { HashOnRead: hashOnRead, Sync: sync } = config.Datastore
    const blockstore = new SyncingBlockstore(paths.blocks, { hashOnRead, corruptDir: paths.corrupt, sync })
    const datastore = new SyncingDatastore(paths.datastore, sync)
    await blockstore.open()
    await datastore.open()
    return {
      paths,
      get config () { return config },
      blockstore,
      datastore,
      async saveConfig (next) {
        const valid = openableConfig(next)
        await writeConfigFile(paths.config, valid)
        config = valid
      },
      async close () {
        await datastore.close()
        await blockstore.close()
        await held.release()
      }
    }
  } catch (err) {
    await held.release()
    throw err
  }
}

/** Applies a profile to the config of a repo on disk. */
export async function applyProfileToRepo (root: string, profile: ProfileName): Promise<Config> {
  const next = openableConfig(applyProfile(await readConfig(root), profile))
  await writeConfigFile(repoPaths(root).config, next)
  return next
}

/**
 * The config, validated against the schema and with an identity that loads: what a repo
 * needs to open again. Checked before every write, so a bad write never bricks a repo.
 */
function openableConfig (next: Config): Config {
  const config = validateConfig(next)
  loadPrivateKey(config.Identity)
  return config
}

/** Writes config.json via a temp file and rename, so a crash never leaves half a config. */
export async function writeConfigFile (path: string, config: Config): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
    await rename(tmp, path)
  } finally {
    await rm(tmp, { force: true })
  }
}
