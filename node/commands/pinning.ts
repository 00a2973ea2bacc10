import { valuesCommand } from './command.js'
import type { NewToken, TokenInfo, TokenStore } from '../pinning/tokens.js'
import type { CairnNode } from '../node.js'

/** `pinning token ls`: every token, without secrets. */
export interface TokenList { Tokens: TokenInfo[] }

async function tokenStore (node: CairnNode): Promise<TokenStore> {
  const { TokenStore } = await import('../pinning/tokens.js')
  return new TokenStore(node.repo.datastore)
}

export const pinningTokenCreate = valuesCommand<NewToken>({
  path: ['pinning', 'token', 'create'],
  description: 'Create an access token for this node\'s Pinning Service API: printed once, stored hashed',
  args: [],
  options: [{ name: 'name', type: 'string', description: 'a name for the token (default: its id)' }],
  async * run ({ node }, { options }) {
    yield await (await tokenStore(node)).create(typeof options.name === 'string' ? options.name : undefined)
  },
  text: value => value.Token
})

export const pinningTokenLs = valuesCommand<TokenList>({
  path: ['pinning', 'token', 'ls'],
  description: 'List the Pinning Service API tokens: `<id> <name> <created>`',
  args: [],
  options: [],
  async * run ({ node }) {
    yield { Tokens: await (await tokenStore(node)).list() }
  },
  text: value => value.Tokens.length === 0 ? undefined : value.Tokens.map(t => `${t.Id} ${t.Name} ${t.Created}`).join('\n')
})

export const pinningTokenRm = valuesCommand<TokenInfo>({
  path: ['pinning', 'token', 'rm'],
  description: 'Revoke a Pinning Service API token (by id or name); its pin requests stay',
  args: [{ name: 'token', description: 'the id or name of the token', required: true }],
  options: [],
  async * run ({ node }, { args }) {
    yield await (await tokenStore(node)).remove(args[0] as string)
  },
  text: value => `revoked ${value.Id} ${value.Name}`
})
