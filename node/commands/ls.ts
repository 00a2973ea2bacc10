import { valuesCommand } from './command.js'
import type { LsLink } from '../unixfs/list-directory.js'

/** One `ls` value: Kubo's `ls --stream` object, one link at a time. */
export interface LsObject {
  Objects: Array<{ Hash: string, Links: LsLink[] }>
}

const directoryType = new Set([1, 5])

/** `<cid> <size> <name>`, or `<cid> - <name>/` for a directory, as Kubo prints it. */
export function formatLsLink (link: LsLink): string {
  if (directoryType.has(link.Type)) return `${link.Hash} - ${link.Name}/`
  return `${link.Hash} ${link.Size} ${link.Name}`
}

export const ls = valuesCommand<LsObject>({
  path: ['ls'],
  description: 'List a directory: <cid> <size> <name> per entry (directories end in /); a file lists its chunks',
  args: [{ name: 'ipfs-path', description: '<cid>[/path] of a directory', required: true }],
  options: [
    { name: 'size', type: 'boolean', default: true, description: 'resolve each file\'s size (--size=false prints link sizes)' },
    { name: 'resolve-type', type: 'boolean', default: true, description: 'resolve each entry\'s type (reads one block per dag-pb child)' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const [{ parseContentPath }, { listDirectory }] = await Promise.all([import('../content/content-path.js'), import('../unixfs/list-directory.js')])
    const path = parseContentPath(args[0] as string)
    const hash = args[0] as string
    let listed = false
    for await (const link of listDirectory(node, path, { signal, size: options.size !== false, resolveType: options['resolve-type'] !== false })) {
      listed = true
      yield { Objects: [{ Hash: hash, Links: [link] }] }
    }
    // an empty directory or a single-block file: one object with no links, as Kubo sends
    if (!listed) yield { Objects: [{ Hash: hash, Links: [] }] }
  },
  text (value) {
    const lines = value.Objects.flatMap(o => o.Links.map(formatLsLink))
    return lines.length > 0 ? lines.join('\n') : undefined
  }
})
