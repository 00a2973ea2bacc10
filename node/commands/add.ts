import { UsageError } from '../errors.js'
import { importProfile } from './import-profile.js'
import { valuesCommand } from './command.js'
import type { AddedEntry, AddProgress } from '../unixfs/importer.js'
import type { CID } from 'multiformats/cid'

/** What `add` yields: one entry per file or directory (root last), and progress values with `--progress`. */
export type AddValue = AddedEntry | AddProgress

/** True for a progress value (as opposed to an added entry). */
export function isAddProgress (value: AddValue): value is AddProgress {
  return 'Bytes' in value
}

export const add = valuesCommand<AddValue>({
  path: ['add'],
  description: 'Add files or directories (or stdin) to the repo as a UnixFS DAG and pin it',
  args: [{ name: 'path', description: 'files or directories to add; - for stdin', required: true, variadic: true, kind: 'file' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', description: 'add directories recursively' },
    { name: 'hidden', short: 'H', type: 'boolean', description: 'include files whose names start with a dot' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the CIDs' },
    { name: 'progress', short: 'p', type: 'boolean', tristate: true, description: 'stream progress (a bar on a terminal, the default there)' },
    { name: 'wrap-with-directory', short: 'w', type: 'boolean', description: 'wrap the inputs in a directory' },
    { name: 'only-hash', short: 'n', type: 'boolean', description: 'only compute the CIDs: write nothing to the repo' },
    { name: 'pin', type: 'boolean', default: true, description: 'pin the result (--pin=false to skip)' },
    { name: 'cid-version', type: 'number', description: 'CID version: 1 (default, IPIP-499 modern profile) or 0 (Kubo legacy profile)' },
    { name: 'raw-leaves', type: 'boolean', tristate: true, description: 'leaves as raw blocks (default: true with CIDv1, false with CIDv0)' },
    { name: 'chunker', type: 'string', description: 'size-N or rabin-MIN-AVG-MAX (default: size-1048576, or size-262144 with CIDv0)' },
    { name: 'trickle', type: 'boolean', description: 'trickle DAG layout instead of balanced' },
    { name: 'preserve-mode', type: 'boolean', description: 'store the files\' permission bits' },
    { name: 'preserve-mtime', type: 'boolean', description: 'store the files\' modification times' },
    { name: 'stdin-name', type: 'string', description: 'name for the data read from stdin' }
  ],
  async * run ({ node, signal }, { options, inputs, independentInputs }) {
    if (inputs == null) throw new UsageError('nothing to add: give a path, or - for stdin')
    const profile = importProfile(options)
    const onlyHash = options['only-hash'] === true
    const [{ importEntries }, { hashOnlyBlockstore }, { commitWrite }] = await Promise.all([
      import('../unixfs/importer.js'),
      import('../unixfs/hash-only-blockstore.js'),
      import('../pins/commit-write.js')
    ])
    const blockstore = onlyHash ? hashOnlyBlockstore : node.helia.blockstore
    const roots: CID[] = []
    // the last entry (the root) is held back until the pin is in place
    let pending: AddedEntry | undefined
    // as `withoutGc`, held across the yields: a daemon's GC waits from the first block
    // written until the roots are pinned (an interrupted add leaves no pin)
    const releaseGc = onlyHash ? undefined : await node.gcLock.shared()
    try {
      const events = importEntries(inputs, blockstore, profile, { signal, progress: options.progress === true, independentInputs: independentInputs === true })
      for await (const event of events) {
        if (event.type === 'progress') {
          yield event.progress
          continue
        }
        if (event.topLevel) roots.push(event.cid)
        if (pending != null) yield pending
        pending = event.entry
      }
      if (pending == null) throw new UsageError('nothing to add')
      if (!onlyHash) {
        // re-adding pinned content is not an error; what is pinned is announced by the pin
        const pin = options.pin !== false
        await commitWrite(node, roots, { pin, written: true, signal })
        if (!pin) node.announce(roots)
      }
    } finally {
      releaseGc?.()
    }
    yield pending
  },
  text (value, options) {
    if (isAddProgress(value)) return undefined
    return options.quiet === true ? value.Hash : `added ${value.Hash} ${value.Name}`
  }
})
