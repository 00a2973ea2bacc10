import { UsageError } from '../errors.js'
import { importProfile } from './import-profile.js'
import { valuesCommand } from './command.js'
import type { AddedEntry, AddProgress } from '../unixfs/importer.js'
import type { CommandCall } from './command.js'
import type { CairnNode } from '../node.js'
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
  async * run ({ node, signal }, call) {
    yield * addInputs(call.options['only-hash'] === true ? undefined : node, call, signal)
  },
  // only hashing stores nothing: offline, `add -n` opens no stores
  async * fromConfig (_config, call, signal) {
    yield * addInputs(undefined, call, signal)
  },
  needsNode: call => call.options['only-hash'] !== true,
  text (value, options) {
    if (isAddProgress(value)) return undefined
    return options.quiet === true ? value.Hash : `added ${value.Hash} ${value.Name}`
  }
})

/**
 * Imports the call's inputs, yielding each entry (the root last, once it is pinned) and
 * progress values; into `node`'s repo, or with no node only computing the CIDs (`-n`).
 */
async function * addInputs (node: CairnNode | undefined, { options, inputs, independentInputs }: CommandCall, signal: AbortSignal): AsyncGenerator<AddValue> {
  if (inputs == null) throw new UsageError('nothing to add: give a path, or - for stdin')
  const profile = importProfile(options)
  const [{ importEntries }, store, commit, written] = await Promise.all([
    import('../unixfs/importer.js'),
    node != null ? node.helia.blockstore : import('../unixfs/hash-only-blockstore.js').then(m => m.hashOnlyBlockstore),
    node != null ? import('../pins/commit-write.js') : undefined,
    node != null ? import('../dag/written-links.js').then(m => new m.WrittenLinks()) : undefined
  ])
  // the pin then counts the blocks from the links recorded, without reading them back
  const blockstore = written?.recording(store) ?? store
  const roots: CID[] = []
  // the last entry (the root) is held back until the pin is in place
  let pending: AddedEntry | undefined
  // as `withoutGc`, held across the yields: a daemon's GC waits from the first block
  // written until the roots are pinned (an interrupted add leaves no pin)
  const releaseGc = await node?.gcLock.shared()
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
    if (node != null && commit != null) {
      // re-adding pinned content is not an error; what is pinned is announced by the pin
      const pin = options.pin !== false
      await commit.commitWrite(node, roots, { pin, ...(written != null ? { written } : {}), signal })
      if (!pin) await node.announce(roots)
    }
  } finally {
    releaseGc?.()
  }
  yield pending
}
