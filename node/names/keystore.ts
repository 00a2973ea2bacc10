import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { InvalidRecordError, KeyExistsError, NotFoundError, UsageError } from '../errors.js'
import type { PrivateKey } from '@libp2p/interface'

/** The key name of the node identity. */
export const selfKeyName = 'self'

/** A key as `key list` shows it: its name and its IPNS name (CIDv1 libp2p-key in base36). */
export interface KeyInfo {
  Name: string
  Id: string
}

/** `key gen` options, Kubo's. */
export interface GenerateOptions {
  type?: string
  size?: number
}

const filePrefix = 'key_'

/** Kubo's keystore file name for a key: `key_` + the name in unpadded lowercase base32. */
function fileName (name: string): string {
  return filePrefix + base32.baseEncode(new TextEncoder().encode(name))
}

function nameOfFile (file: string): string | undefined {
  if (!file.startsWith(filePrefix)) return undefined
  try {
    return new TextDecoder().decode(base32.baseDecode(file.slice(filePrefix.length)))
  } catch {
    return undefined
  }
}

/** The IPNS name of a key: its peer ID as a CIDv1 (libp2p-key) in base36, `k51…`. */
export function ipnsNameOf (key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toCID().toString(base36)
}

/**
 * The repo's named keys, one file each in `<repo>/keystore/` (the libp2p protobuf of the
 * private key, as Kubo keeps it), the folder and files readable by the owner only.
 * `self` is the node identity from the config, never a file here.
 */
export class Keystore {
  private readonly dir: string
  private readonly self: PrivateKey

  constructor (dir: string, self: PrivateKey) {
    this.dir = dir
    this.self = self
  }

  /** The private key of a name (`self` included), or ERR_NOT_FOUND. */
  async get (name: string): Promise<PrivateKey> {
    if (name === selfKeyName) return this.self
    checkName(name)
    let bytes: Uint8Array
    try {
      bytes = await readFile(join(this.dir, fileName(name)))
    } catch {
      throw new NotFoundError(`no key named "${name}" (see cairn key list)`)
    }
    return privateKeyFromProtobuf(bytes)
  }

  /** Every key: `self` first, then the keystore's in name order. */
  async list (): Promise<Array<{ name: string, key: PrivateKey }>> {
    const files = await readdir(this.dir).catch(() => [] as string[])
    const names = files.map(nameOfFile).filter((n): n is string => n != null).sort()
    const keys = [{ name: selfKeyName, key: this.self }]
    for (const name of names) keys.push({ name, key: await this.get(name) })
    return keys
  }

  /** Creates a key (Ed25519 by default, or RSA of `size` bits, 2048 by default). */
  async generate (name: string, options: GenerateOptions = {}): Promise<PrivateKey> {
    await this.assertFree(name)
    const type = (options.type ?? 'ed25519').toLowerCase()
    let key: PrivateKey
    if (type === 'ed25519') {
      key = await generateKeyPair('Ed25519')
    } else if (type === 'rsa') {
      const size = options.size ?? 2048
      if (!Number.isInteger(size) || size < 2048 || size > 8192) throw new UsageError('--size: an RSA key has 2048 to 8192 bits')
      key = await generateKeyPair('RSA', size)
    } else {
      throw new UsageError(`--type "${options.type ?? ''}": use ed25519 or rsa`)
    }
    await this.write(name, key)
    return key
  }

  /** Adds a key from its libp2p protobuf bytes (Kubo's `libp2p-protobuf-cleartext`). */
  async import (name: string, bytes: Uint8Array): Promise<PrivateKey> {
    await this.assertFree(name)
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new InvalidRecordError('not a private key in libp2p protobuf form (libp2p-protobuf-cleartext)', { cause: err })
    }
    await this.write(name, key)
    return key
  }

  /** The libp2p protobuf bytes of a key, for `key export`. */
  async export (name: string): Promise<Uint8Array> {
    return privateKeyToProtobuf(await this.get(name))
  }

  async remove (name: string): Promise<PrivateKey> {
    if (name === selfKeyName) throw new UsageError('cannot remove key with name "self"')
    const key = await this.get(name)
    await rm(join(this.dir, fileName(name)))
    return key
  }

  async rename (from: string, to: string): Promise<PrivateKey> {
    if (from === selfKeyName || to === selfKeyName) throw new UsageError('cannot rename key with name "self"')
    const key = await this.get(from)
    await this.assertFree(to)
    await rename(join(this.dir, fileName(from)), join(this.dir, fileName(to)))
    return key
  }

  private async assertFree (name: string): Promise<void> {
    checkName(name)
    if (name === selfKeyName) throw new KeyExistsError('key with name "self" already exists')
    const taken = await this.get(name).then(() => true, () => false)
    if (taken) throw new KeyExistsError(`key with name "${name}" already exists`)
  }

  private async write (name: string, key: PrivateKey): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await chmod(this.dir, 0o700)
    // exclusive create: two racing gen/import calls never overwrite each other's key
    await writeFile(join(this.dir, fileName(name)), privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  }
}

function checkName (name: string): void {
  if (name === '' || name.includes('/') || name.length > 255) {
    throw new UsageError(`invalid key name "${name}"`)
  }
}
