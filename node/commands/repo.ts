import { CorruptBlockError } from '../errors.js'
import { valuesCommand } from './command.js'
import type { RepoStat } from '../repo/stat.js'

/** One `repo gc` value: a removed block (Kubo's `{Key}` shape), then a closing summary. */
export type GcValue =
  | { Key: { '/': string }, Size: number }
  | { Removed: number, Freed: number }

export const repoGc = valuesCommand<GcValue>({
  path: ['repo', 'gc'],
  description: 'Delete every block no pin keeps; prints `removed <cid>` per block, then what was freed',
  args: [],
  options: [
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print nothing but errors' }
  ],
  async * run ({ node, signal }) {
    const { collectGarbage } = await import('../pins/gc.js')
    let removed = 0
    let freed = 0
    for await (const removal of collectGarbage(node, signal)) {
      freed += removal.size
      if (removal.kind === 'block') {
        removed++
        yield { Key: { '/': removal.cid.toString() }, Size: removal.size }
      }
    }
    yield { Removed: removed, Freed: freed }
  },
  text (value, options) {
    if (options.quiet === true) return undefined
    if ('Key' in value) return `removed ${value.Key['/']}`
    return `freed ${value.Freed} bytes (${value.Removed} block${value.Removed === 1 ? '' : 's'})`
  }
})

export const repoStatCommand = valuesCommand<RepoStat>({
  path: ['repo', 'stat'],
  description: 'Number of blocks, bytes on disk, the repo path and its limits',
  args: [],
  options: [
    { name: 'size-only', short: 's', type: 'boolean', description: 'only RepoSize and StorageMax' }
  ],
  async * run ({ node }) {
    const { repoStat } = await import('../repo/stat.js')
    yield await repoStat(node.repo)
  },
  text (value, options) {
    const lines = options['size-only'] === true
      ? [`RepoSize:   ${value.RepoSize}`, `StorageMax: ${value.StorageMax}`]
      : [
          `NumObjects: ${value.NumObjects}`,
          `RepoSize:   ${value.RepoSize}`,
          `StorageMax: ${value.StorageMax}`,
          `RepoPath:   ${value.RepoPath}`,
          `Version:    ${value.Version}`
        ]
    return lines.join('\n')
  }
})

/** One `repo verify` value: a corrupt block, or the closing summary. */
export interface RepoVerifyValue {
  /** The corrupt block; absent on the summary. */
  Cid?: string
  Msg: string
  /** Blocks checked (on the summary). */
  Checked?: number
}

export const repoVerify = valuesCommand<RepoVerifyValue>({
  path: ['repo', 'verify'],
  description: 'Re-hash every block in the repo and name the corrupt ones (and those moved aside when read); exits 1 if any is',
  args: [],
  options: [],
  async * run ({ node, signal }) {
    const [{ blockCid }, { checkBlockFiles, movedAsideBlocks }] = await Promise.all([import('../repo/block-files.js'), import('../repo/verify.js')])
    let checked = 0
    let corrupt = 0
    for await (const { file, problem } of checkBlockFiles(node.repo.paths.blocks, signal)) {
      checked++
      if (problem == null) continue
      corrupt++
      const name = file.multihash != null ? blockCid(file.multihash).toString() : file.path
      yield { Cid: name, Msg: `block ${name} was corrupt (${problem})` }
    }
    // blocks found corrupt when read (Datastore.HashOnRead) were moved out of blocks/
    for await (const { file, restored } of movedAsideBlocks(node.repo.paths.corrupt, node.repo.paths.blocks)) {
      const name = file.multihash != null ? blockCid(file.multihash).toString() : file.path
      if (!restored) corrupt++
      yield { Cid: name, Msg: `block ${name} was corrupt on read, moved aside to ${file.path}${restored ? ' (a good copy is back)' : ''}` }
    }
    if (corrupt > 0) {
      throw new CorruptBlockError(`verify complete, ${corrupt} of ${checked} blocks were corrupt`)
    }
    yield { Msg: 'verify complete, all blocks validated.', Checked: checked }
  },
  text: value => value.Msg
})
