import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODEC, RAW } from '../dag/codecs.js'
import { UsageError } from '../errors.js'
import { valuesCommand } from './command.js'

/** Kubo's `block put` answer: the block's CID and size. */
export interface BlockPutValue { Key: string, Size: number }

const codecs: Readonly<Record<string, number>> = {
  raw: RAW,
  'dag-pb': DAG_PB,
  'dag-cbor': DAG_CBOR,
  'dag-json': DAG_JSON,
  cbor: CBOR,
  json: JSON_CODEC
}
const hashers = { 'sha2-256': 'sha256', 'sha2-512': 'sha512' } as const

function choice<T> (table: Readonly<Record<string, T>>, flag: string, value: unknown): T {
  const found = typeof value === 'string' && Object.hasOwn(table, value) ? table[value] : undefined
  if (found === undefined) throw new UsageError(`--${flag} must be one of ${Object.keys(table).join(', ')}`)
  return found
}

export const blockPut = valuesCommand<BlockPutValue>({
  path: ['block', 'put'],
  description: 'Store each input as one block (at most 2 MiB unless --allow-big-block) and print its CID',
  args: [{ name: 'data', description: 'files holding the block bytes; - for stdin', required: true, variadic: true, kind: 'file' }],
  options: [
    { name: 'cid-codec', type: 'string', default: 'raw', description: 'codec of the CID: raw, dag-pb, dag-cbor, dag-json, cbor or json (the bytes must decode)' },
    { name: 'mhtype', type: 'string', default: 'sha2-256', description: 'hash function: sha2-256 or sha2-512' },
    { name: 'pin', type: 'boolean', description: 'pin the block (recursively) once stored' },
    { name: 'allow-big-block', type: 'boolean', description: 'accept a block above 2 MiB (peers cannot fetch it over bitswap)' }
  ],
  async * run ({ node, signal }, { inputs, options }) {
    if (inputs == null) throw new UsageError('nothing to put: give a file, or - for stdin')
    const code = choice(codecs, 'cid-codec', options['cid-codec'] ?? 'raw')
    const hasherName = choice(hashers, 'mhtype', options.mhtype ?? 'sha2-256')
    // loaded here, not with the command table, so every other command starts without them
    const [{ CID }, sha2, { collectBlock }, { linksOf }, { withoutGc }, { commitWrite }] = await Promise.all([
      import('multiformats/cid'),
      import('multiformats/hashes/sha2'),
      import('../blocks.js'),
      import('../dag/links.js'),
      import('../pins/gc-lock.js'),
      import('../pins/commit-write.js')
    ])
    const hasher = sha2[hasherName]
    const allowBig = options['allow-big-block'] === true
    const results: BlockPutValue[] = []
    const cids: Array<InstanceType<typeof CID>> = []
    // a GC in the daemon waits until the blocks are stored (and pinned)
    await withoutGc(node, async () => {
      for await (const input of inputs) {
        if (input.content == null) throw new UsageError(`${input.path} is a directory, not a block`)
        const bytes = await collectBlock(input.content, `block ${input.path !== '' ? input.path : 'stdin'}`, allowBig)
        const cid = CID.createV1(code, await hasher.digest(bytes))
        linksOf(cid, bytes) // the bytes decode for the codec (ERR_INVALID_DAG)
        await node.helia.blockstore.put(cid, bytes, { signal })
        cids.push(cid)
        results.push({ Key: cid.toString(), Size: bytes.byteLength })
      }
      // nothing is printed before every input is stored: an input refused leaves no pin
      await commitWrite(node, cids, { pin: options.pin === true, signal })
    })
    yield * results
  },
  text (value) {
    return value.Key
  }
})
