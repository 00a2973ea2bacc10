import { bytesCommand } from './command.js'

export const cat = bytesCommand({
  path: ['cat'],
  description: 'Stream the bytes of files: cat <cid>[/path]... [--offset N] [--length N]',
  args: [{ name: 'ipfs-path', description: '<cid>[/path] of a file; several are joined', required: true, variadic: true }],
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to start at' },
    { name: 'length', short: 'l', type: 'number', description: 'most bytes to read' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const [{ parseContentPath }, { catFiles }] = await Promise.all([import('../content/content-path.js'), import('../unixfs/cat-file.js')])
    const paths = args.map(parseContentPath)
    yield * catFiles(node, paths, {
      signal,
      ...(typeof options.offset === 'number' ? { offset: options.offset } : {}),
      ...(typeof options.length === 'number' ? { length: options.length } : {})
    })
  }
})
