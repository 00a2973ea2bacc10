import { UsageError } from '../errors.js'
import { bytesCommand, valuesCommand } from './command.js'
import type { CID } from 'multiformats/cid'

/** Kubo's `dag import` values: one per pinned root, then the stats (with `--stats`). */
export type DagImportValue =
  | { Root: { Cid: { '/': string }, PinErrorMsg: string } }
  | { Stats: { BlockCount: number, BlockBytesCount: number } }

export const dagImport = valuesCommand<DagImportValue>({
  path: ['dag', 'import'],
  description: 'Import the blocks of CAR files (every block hash-checked) and pin their roots',
  args: [{ name: 'path', description: 'CAR files; - for stdin', required: true, variadic: true, kind: 'file' }],
  options: [
    { name: 'pin-roots', type: 'boolean', default: true, description: 'pin the roots of the CARs once every block is in (--pin-roots=false to skip)' },
    { name: 'stats', type: 'boolean', description: 'print the number of blocks and bytes imported' },
    { name: 'allow-big-block', type: 'boolean', description: 'accept blocks above 2 MiB (peers cannot fetch them over bitswap)' },
    { name: 'silent', type: 'boolean', description: 'print nothing' }
  ],
  async * run ({ node, signal }, { inputs, options }) {
    if (inputs == null) throw new UsageError('nothing to import: give a CAR file, or - for stdin')
    const [{ importCar }, { withoutGc }, { commitWrite }] = await Promise.all([
      import('../car/car-import.js'),
      import('../pins/gc-lock.js'),
      import('../pins/commit-write.js')
    ])
    const pinRoots = options['pin-roots'] !== false
    const roots: CID[] = []
    let blocks = 0
    let bytes = 0
    // a GC in the daemon waits until the roots are pinned
    await withoutGc(node, async () => {
      for await (const input of inputs) {
        if (input.content == null) throw new UsageError(`${input.path} is a directory, not a CAR file`)
        const result = await importCar(node, input.content, { signal, name: input.path !== '' ? input.path : 'stdin', allowBigBlock: options['allow-big-block'] === true })
        blocks += result.blocks
        bytes += result.bytes
        for (const root of result.roots) {
          if (!roots.some(r => r.equals(root))) roots.push(root)
        }
      }
      // only now that every CAR was read whole: a bad CAR above leaves no pin behind
      await commitWrite(node, roots, { pin: pinRoots, signal, pinFailure: root => `pinning root ${root.toString()} FAILED: ` })
    })
    if (pinRoots) {
      for (const root of roots) yield { Root: { Cid: { '/': root.toString() }, PinErrorMsg: '' } }
    }
    if (options.stats === true) yield { Stats: { BlockCount: blocks, BlockBytesCount: bytes } }
  },
  text (value, options) {
    if (options.silent === true) return undefined
    if ('Stats' in value) return `Imported ${value.Stats.BlockCount} blocks (${value.Stats.BlockBytesCount} bytes)`
    return `Pinned root\t${value.Root.Cid['/']}\tsuccess`
  }
})

export const dagExport = bytesCommand({
  path: ['dag', 'export'],
  description: 'Write the whole DAG below a CID as a CARv1 (to stdout, or to a file with -o)',
  args: [{ name: 'cid', description: 'the root of the DAG', required: true }],
  options: [
    { name: 'output', short: 'o', type: 'string', description: 'write the CAR to this file instead of stdout' }
  ],
  async * run ({ node, signal }, { args }) {
    const [{ parseCid }, { exportCar }] = await Promise.all([import('../content/content-path.js'), import('../car/car-export.js')])
    const root = parseCid(args[0] as string)
    yield * exportCar(node, root, { signal })
  }
})
