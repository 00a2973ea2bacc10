import { basename } from 'node:path'
import { UsageError } from '../errors.js'
import { bytesCommand, valuesCommand, type InputEntry } from './command.js'

/** One key, Kubo's `{Name, Id}`. */
export interface KeyResult {
  Name: string
  Id: string
}

/** `key list` / `key rm`: Kubo's `{Keys: [...]}`. */
export interface KeyListResult {
  Keys: KeyResult[]
}

/** `key rename`, Kubo's shape. */
export interface KeyRenameResult {
  Was: string
  Now: string
  Id: string
  Overwrite: boolean
}

const longOption = { name: 'long', short: 'l', type: 'boolean', description: 'show the IPNS name (k51…) of each key too' } as const

function listText (value: KeyListResult, long: boolean): string {
  return value.Keys.map(k => long ? `${k.Id} ${k.Name}` : k.Name).join('\n')
}

/** Reads a small uploaded file whole (a key or an IPNS record), refusing more than `max` bytes; with its name. */
export async function readSmallInput (inputs: AsyncIterable<InputEntry> | undefined, what: string, max = 64 * 1024): Promise<{ path: string, bytes: Uint8Array }> {
  if (inputs == null) throw new UsageError(`give the ${what} file`)
  // eslint-disable-next-line no-unreachable-loop -- only the first input counts; for await closes the rest
  for await (const input of inputs) {
    if (input.content == null) throw new UsageError(`${input.path}: the ${what} must be a file`)
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of input.content) {
      size += chunk.length
      if (size > max) throw new UsageError(`${input.path}: a ${what} is at most ${max} bytes`)
      chunks.push(chunk)
    }
    return { path: input.path, bytes: Buffer.concat(chunks) }
  }
  throw new UsageError(`give the ${what} file`)
}

export const keyGen = valuesCommand<KeyResult>({
  path: ['key', 'gen'],
  description: 'Create a new key (stored in the repo keystore): prints its IPNS name',
  args: [{ name: 'name', description: 'the name of the key', required: true }],
  options: [
    { name: 'type', short: 't', type: 'string', default: 'ed25519', description: 'ed25519 or rsa' },
    { name: 'size', short: 's', type: 'number', description: 'RSA key size in bits (default 2048)' }
  ],
  async * run ({ node }, { args, options }) {
    // loaded on use: the keystore brings libp2p's crypto
    const { ipnsNameOf } = await import('../names/keystore.js')
    const name = args[0] as string
    const key = await node.names.keystore.generate(name, {
      ...(typeof options.type === 'string' ? { type: options.type } : {}),
      ...(typeof options.size === 'number' ? { size: options.size } : {})
    })
    yield { Name: name, Id: ipnsNameOf(key) }
  },
  text (value) {
    return value.Id
  }
})

export const keyList = valuesCommand<KeyListResult>({
  path: ['key', 'list'],
  description: 'List the keys: names, with -l their IPNS names too',
  args: [],
  options: [longOption],
  async * run ({ node }) {
    const { ipnsNameOf } = await import('../names/keystore.js')
    const keys = await node.names.keystore.list()
    yield { Keys: keys.map(k => ({ Name: k.name, Id: ipnsNameOf(k.key) })) }
  },
  text (value, options) {
    return listText(value, options.long === true)
  }
})

export const keyRm = valuesCommand<KeyListResult>({
  path: ['key', 'rm'],
  description: 'Remove keys from the keystore (never self)',
  args: [{ name: 'name', description: 'names of the keys to remove', required: true, variadic: true }],
  options: [longOption],
  async * run ({ node }, { args }) {
    const { ipnsNameOf } = await import('../names/keystore.js')
    const removed: KeyResult[] = []
    for (const name of args) {
      removed.push({ Name: name, Id: ipnsNameOf(await node.names.keystore.remove(name)) })
    }
    yield { Keys: removed }
  },
  text (value, options) {
    return listText(value, options.long === true)
  }
})

export const keyRename = valuesCommand<KeyRenameResult>({
  path: ['key', 'rename'],
  description: 'Rename a key',
  args: [
    { name: 'name', description: 'the key to rename', required: true },
    { name: 'newName', description: 'its new name', required: true }
  ],
  options: [],
  async * run ({ node }, { args }) {
    const { ipnsNameOf } = await import('../names/keystore.js')
    const [from = '', to = ''] = args
    const key = await node.names.keystore.rename(from, to)
    yield { Was: from, Now: to, Id: ipnsNameOf(key), Overwrite: false }
  },
  text (value) {
    return `Key ${value.Id} was renamed to "${value.Now}"`
  }
})

export const keyExport = bytesCommand({
  path: ['key', 'export'],
  description: 'Export a key in libp2p protobuf form (libp2p-protobuf-cleartext) to <name>.key, or -o FILE (- for stdout)',
  args: [{ name: 'name', description: 'the key to export', required: true }],
  options: [{ name: 'output', short: 'o', type: 'string', description: 'the file to write (default <name>.key in the current folder; - for stdout)' }],
  async * run ({ node }, { args }) {
    yield await node.names.keystore.export(args[0] as string)
  },
  defaultOutput ({ args }) {
    // as Kubo: the key's name with `.key`, its last path part only; owner-only, it is a secret
    return { path: basename(`${args[0] ?? ''}.key`), mode: 0o600 }
  }
})

export const keyImport = valuesCommand<KeyResult>({
  path: ['key', 'import'],
  description: 'Import a key exported by key export (libp2p-protobuf-cleartext, as Kubo)',
  args: [
    { name: 'name', description: 'the name to store it under', required: true },
    { name: 'file', description: 'the key file (- for stdin)', required: true, kind: 'file' }
  ],
  options: [],
  async * run ({ node }, { args, inputs }) {
    const { ipnsNameOf } = await import('../names/keystore.js')
    const name = args[0] as string
    const key = await node.names.keystore.import(name, (await readSmallInput(inputs, 'key')).bytes)
    yield { Name: name, Id: ipnsNameOf(key) }
  },
  text (value) {
    return value.Id
  }
})
