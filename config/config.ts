import { ConfigError } from '../node/errors.js'
import { profileSection, type ProfileName } from './profiles.js'
import { configSchema, type Config } from './schema.js'
import type { z } from 'zod'

export type { Config } from './schema.js'

/** Validates a parsed config.json; the error names the first offending key. */
export function validateConfig (raw: unknown): Config {
  const result = configSchema.safeParse(raw)
  if (!result.success) {
    throw new ConfigError(describeIssue(result.error.issues[0]))
  }
  return result.data
}

function describeIssue (issue: z.core.$ZodIssue | undefined): string {
  if (issue == null) return 'invalid config'
  const where = issue.path.join('.')
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map(k => where === '' ? k : `${where}.${k}`)
    return `unknown config key ${keys.join(', ')}`
  }
  return `config key ${where === '' ? '(root)' : where}: ${issue.message}`
}

/** A complete config for a new repo with the given identity and profile. */
export function defaultConfig (identity: Config['Identity'], profile: ProfileName): Config {
  return validateConfig({
    Identity: identity,
    ...profileSection(profile),
    Provide: {},
    HTTPRetrieval: {},
    Fetch: {},
    Gateway: { PublicGateways: defaultPublicGateways() },
    API: {},
    Datastore: {},
    Import: {}
  })
}

/** Like Kubo, `localhost` is a subdomain gateway out of the box. */
function defaultPublicGateways (): Config['Gateway']['PublicGateways'] {
  return { localhost: { Paths: ['/ipfs', '/ipns'], UseSubdomains: true } }
}

/** Applies a profile to an existing config, keeping identity and the API, Gateway and PinningAPI listen addresses. */
export function applyProfile (config: Config, profile: ProfileName): Config {
  const section = profileSection(profile)
  const { API, Gateway, PinningAPI } = config.Addresses
  section.Addresses = { ...section.Addresses, API, Gateway, PinningAPI }
  return validateConfig({ ...config, ...section })
}

/** Reads a dotted key (`Addresses.Gateway`) from a config. */
export function getConfigValue (config: Config, key: string): unknown {
  let value: unknown = config
  for (const part of splitKey(key)) {
    if (value == null || typeof value !== 'object' || !Object.hasOwn(value, part)) {
      throw new ConfigError(`config key ${key} does not exist`)
    }
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/**
 * Returns a new validated config with the dotted key set. `value` is parsed as JSON
 * when it is valid JSON (so `true`, `5`, `["a"]` keep their types), else kept as a string.
 * Keys under `Identity` are refused ({@link assertWritableKey}).
 */
export function setConfigValue (config: Config, key: string, value: string): Config {
  assertWritableKey(key)
  const parts = splitKey(key)
  const copy = structuredClone(config) as unknown as Record<string, unknown>
  let node = copy
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (next == null || typeof next !== 'object') {
      node[part] = {}
    }
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1] as string] = parseValue(value)
  return validateConfig(copy)
}

/** Names that would reach an object's prototype instead of a config key. */
const prototypeKeys = new Set(['__proto__', 'prototype', 'constructor'])

function splitKey (key: string): string[] {
  const parts = key.split('.')
  if (key === '' || parts.some(p => p === '' || prototypeKeys.has(p))) {
    throw new ConfigError(`invalid config key "${key}"`)
  }
  return parts
}

/**
 * Refuses a write under `Identity` through `config` (as Kubo does): a changed key or
 * PeerID would lose the node's identity and leave the repo unopenable.
 */
export function assertWritableKey (key: string): void {
  if (key === 'Identity' || key.startsWith('Identity.')) {
    throw new ConfigError(`config key ${key} cannot be changed with "config": the node identity is set by "init"`)
  }
}

function parseValue (value: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

/**
 * The config with secrets removed, for `config show` and `config get`: as Kubo, without
 * Identity.PrivKey and the remote pinning services' `API.Key`s.
 */
export function redactConfig (config: Config): unknown {
  const copy = structuredClone(config) as Record<string, unknown> & Config
  const { PrivKey: _omit, ...identity } = copy.Identity
  const services = Object.fromEntries(Object.entries(copy.Pinning.RemoteServices).map(([name, { API: { Key: _key, ...api } }]) => [name, { API: api }]))
  return { ...copy, Identity: identity, Pinning: { ...copy.Pinning, RemoteServices: services } }
}
