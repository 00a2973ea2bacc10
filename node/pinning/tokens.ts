import { createHash, randomBytes } from 'node:crypto'
import { Key, type Datastore } from 'interface-datastore'
import { NotFoundError, UsageError } from '../errors.js'

/** A Pinning Service API access token as stored: never the token itself, only its hash. */
export interface TokenInfo {
  /** Short public id (what `token ls` shows and `token rm` takes); pins are owned by it. */
  Id: string
  Name: string
  /** ISO time of creation. */
  Created: string
}

/** A token just created: the secret is shown once, here. */
export interface NewToken extends TokenInfo {
  Token: string
}

const prefix = '/pinning/tokens'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex')
const keyOf = (hash: string): Key => new Key(`${prefix}/${hash}`)

/**
 * The bearer tokens of the Pinning Service API, in the repo's datastore under
 * `/pinning/tokens/<sha-256 of the token>`: a request's token is checked by hashing it
 * and reading that one key, and a leaked datastore gives away no usable token.
 */
export class TokenStore {
  private readonly datastore: Datastore

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  /** Makes a new random token (`cairn_` + 32 random bytes, base64url). */
  async create (name: string | undefined): Promise<NewToken> {
    const Id = randomBytes(6).toString('hex')
    const Name = name ?? Id
    if ((await this.list()).some(t => t.Name === Name)) throw new UsageError(`a pinning token named "${Name}" exists`)
    const Token = `cairn_${randomBytes(32).toString('base64url')}`
    const info: TokenInfo = { Id, Name, Created: new Date().toISOString() }
    await this.datastore.put(keyOf(hashOf(Token)), encoder.encode(JSON.stringify(info)))
    return { ...info, Token }
  }

  /** Every token, oldest first. */
  async list (): Promise<TokenInfo[]> {
    const tokens: TokenInfo[] = []
    for await (const { value } of this.datastore.query({ prefix })) {
      tokens.push(JSON.parse(decoder.decode(value)) as TokenInfo)
    }
    return tokens.sort((a, b) => a.Created.localeCompare(b.Created))
  }

  /** Revokes the token with this id or name; its pin requests stay (and stay invisible). */
  async remove (idOrName: string): Promise<TokenInfo> {
    for await (const { key, value } of this.datastore.query({ prefix })) {
      const info = JSON.parse(decoder.decode(value)) as TokenInfo
      if (info.Id === idOrName || info.Name === idOrName) {
        await this.datastore.delete(key)
        return info
      }
    }
    throw new NotFoundError(`no pinning token "${idOrName}"`)
  }

  /** The token a bearer secret belongs to, or undefined when it is unknown or revoked. */
  async verify (token: string): Promise<TokenInfo | undefined> {
    try {
      return JSON.parse(decoder.decode(await this.datastore.get(keyOf(hashOf(token))))) as TokenInfo
    } catch {
      return undefined
    }
  }
}
