import { isProfileName, profileNames } from '../../config/profiles.js'
import { UsageError } from '../errors.js'
import { valuesCommand, type Options } from './command.js'
import type { Config } from '../../config/config.js'
import type { CairnNode } from '../node.js'

const asText = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value, null, 2)

/** The config as `config show` gives it: without the private key. */
async function shownConfig (config: Config): Promise<unknown> {
  const { redactConfig } = await import('../../config/config.js')
  return redactConfig(config)
}

export const configShow = valuesCommand<unknown>({
  path: ['config', 'show'],
  description: 'Print the whole config (without the private key)',
  args: [],
  options: [],
  async * run ({ node }) {
    yield await shownConfig(node.config)
  },
  async * fromConfig (config) {
    yield await shownConfig(config)
  },
  text: asText
})

/** Kubo's `config KEY` answer shape. */
export interface ConfigEntry { Key: string, Value: unknown }

/** Reads one config value; the private key and remote pinning keys are never given out. */
async function readEntry (config: Config, key: string): Promise<ConfigEntry> {
  if (key === 'Identity.PrivKey') throw new UsageError('Identity.PrivKey is not shown')
  if (/^Pinning\.RemoteServices\.[^.]+\.API\.Key$/.test(key)) throw new UsageError('the keys of remote pinning services are not shown')
  const { getConfigValue } = await import('../../config/config.js')
  return { Key: key, Value: getConfigValue(await shownConfig(config) as Config, key) }
}

/** Sets one config value (`value` as {@link setConfigValue} reads it), saves the config, and reads the value back. */
async function writeEntry (node: CairnNode, key: string, value: string): Promise<ConfigEntry> {
  const { getConfigValue, setConfigValue } = await import('../../config/config.js')
  const next = setConfigValue(node.config, key, value)
  await node.repo.saveConfig(next)
  return { Key: key, Value: getConfigValue(next, key) }
}

/**
 * The value text of Kubo's `config KEY VALUE`: a string as it is, unless `--json`
 * (parsed as JSON) or `--bool` (true or false) says otherwise. Given as JSON text, the
 * way {@link setConfigValue} reads its value.
 */
function kuboValue (value: string, options: Options): string {
  if (options.json === true && options.bool === true) throw new UsageError('--json and --bool cannot be used together')
  if (options.bool === true) {
    if (value !== 'true' && value !== 'false') throw new UsageError(`--bool takes true or false, not "${value}"`)
    return value
  }
  if (options.json === true) {
    try {
      JSON.parse(value)
    } catch {
      throw new UsageError(`--json: "${value}" is not valid JSON`)
    }
    return value
  }
  return JSON.stringify(value)
}

export const config = valuesCommand<ConfigEntry>({
  path: ['config'],
  description: 'Print a config value by its dotted key, or set it (a string; JSON with --json, true/false with --bool), as Kubo\'s `ipfs config KEY [VALUE]`',
  args: [
    { name: 'key', description: 'e.g. Addresses.Gateway', required: true },
    { name: 'value', description: 'the new value' }
  ],
  options: [
    { name: 'json', type: 'boolean', description: 'the value is JSON (e.g. ["a"], 5, {"k":1})' },
    { name: 'bool', type: 'boolean', description: 'the value is true or false' }
  ],
  async * run ({ node }, { args, options }) {
    const [key, value] = args as [string, string | undefined]
    yield value === undefined ? await readEntry(node.config, key) : await writeEntry(node, key, kuboValue(value, options))
  },
  text: value => asText(value.Value)
})

export const configGet = valuesCommand<ConfigEntry>({
  path: ['config', 'get'],
  description: 'Print one config value by its dotted key',
  args: [{ name: 'key', description: 'e.g. Addresses.Gateway', required: true }],
  options: [],
  async * run ({ node }, { args }) {
    yield await readEntry(node.config, args[0] as string)
  },
  async * fromConfig (config, { args }) {
    yield await readEntry(config, args[0] as string)
  },
  text: value => asText(value.Value)
})

export const configSet = valuesCommand<ConfigEntry>({
  path: ['config', 'set'],
  description: 'Set one config value (JSON values keep their type); validated before it is written',
  args: [
    { name: 'key', description: 'e.g. Addresses.Gateway', required: true },
    { name: 'value', description: 'a string, or JSON such as true, 5 or ["a"]', required: true }
  ],
  options: [],
  async * run ({ node }, { args }) {
    const [key, value] = args as [string, string]
    yield await writeEntry(node, key, value)
  },
  text: () => undefined
})

/** The `config profile apply` answer. */
export interface ProfileResult { Profile: string }

export const configProfileApply = valuesCommand<ProfileResult>({
  path: ['config', 'profile', 'apply'],
  description: `Apply a profile (${profileNames.join(', ')}) to the config`,
  args: [{ name: 'profile', description: profileNames.join(' | '), required: true }],
  options: [],
  async * run ({ node }, { args }) {
    const name = args[0] as string
    if (!isProfileName(name)) throw new UsageError(`unknown profile "${name}" (one of ${profileNames.join(', ')})`)
    const { applyProfile } = await import('../../config/config.js')
    await node.repo.saveConfig(applyProfile(node.config, name))
    yield { Profile: name }
  },
  text: value => `applied profile ${value.Profile}`
})
