import { treeCommand } from './command.js'

export const get = treeCommand({
  path: ['get'],
  description: 'Write a file or directory tree to disk: get <cid>[/path] [-o out] (default name: the last path part)',
  args: [{ name: 'ipfs-path', description: '<cid>[/path] to fetch', required: true }],
  options: [
    { name: 'output', short: 'o', type: 'string', description: 'where to write (default: the CID, or the last path segment)' },
    { name: 'special-bits', type: 'boolean', description: 'restore setuid, setgid and sticky bits stored in the DAG (masked off by default)' },
    { name: 'progress', short: 'p', type: 'boolean', tristate: true, description: 'progress bar (default on a terminal)' }
  ],
  async * run ({ node, signal }, { args }) {
    const [{ parseContentPath }, { exportTree }] = await Promise.all([import('../content/content-path.js'), import('../unixfs/export-tree.js')])
    const path = parseContentPath(args[0] as string)
    yield * exportTree(node, path, { signal })
  }
})
