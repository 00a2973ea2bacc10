import { getConfigValue, redactConfig, setConfigValue, applyProfile } from '../../config/config.js'
import { isProfileName, profileNames } from '../../config/profiles.js'
import { UsageError } from '../errors.js'
import { valuesCommand } from './command.js'

const asText = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value, null, 2)

export const configShow = valuesCommand<unknown>({
  path: ['config', 'show'],
  description: 'Print the whole config (without the private key)',
  args: [],
  options: [],
  async * run ({ node }) {
    yield redactConfig(node.config)
  },
  text: asText
})

/** Kubo's `config KEY` answer shape. */
export interface ConfigEntry { Key: string, Value: unknown }

export const configGet = valuesCommand<ConfigEntry>({
  path: ['config', 'get'],
  description: 'Print one config value by its dotted key',
  args: [{ name: 'key', description: 'e.g. Addresses.Gateway', required: true }],
  options: [],
  async * run ({ node }, { args }) {
    const key = args[0] as string
    if (key === 'Identity.PrivKey') throw new UsageError('Identity.PrivKey is not shown')
    yield { Key: key, Value: getConfigValue(node.config, key) }
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
    const next = setConfigValue(node.config, key, value)
    await node.repo.saveConfig(next)
    yield { Key: key, Value: getConfigValue(next, key) }
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
    await node.repo.saveConfig(applyProfile(node.config, name))
    yield { Profile: name }
  },
  text: value => `applied profile ${value.Profile}`
})
