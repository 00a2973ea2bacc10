import { parseContentPath } from '../content/content-path.js'
import { bytesCommand } from './command.js'

export const cat = bytesCommand({
  path: ['cat'],
  description: 'Stream the bytes of a file: cat <cid>[/path] [--offset N] [--length N]',
  args: [{ name: 'ipfs-path', description: '<cid>[/path] of a file', required: true }],
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to start at' },
    { name: 'length', short: 'l', type: 'number', description: 'most bytes to read' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const path = parseContentPath(args[0] as string)
    const { catFile } = await import('../unixfs/cat-file.js')
    yield * catFile(node, path, {
      signal,
      ...(typeof options.offset === 'number' ? { offset: options.offset } : {}),
      ...(typeof options.length === 'number' ? { length: options.length } : {})
    })
  }
})
