import { blockFiles, concurrently, fileSize, filesUnder } from './block-files.js'
import type { Repo } from './repo.js'

/** The repo format version shown by `repo stat` (Kubo shows `fs-repo@<n>`). */
export const repoVersion = 'cairn-repo@1'

/** Kubo's `repo stat` answer shape. */
export interface RepoStat {
  NumObjects: number
  /** Bytes on disk: blocks, datastore and config. */
  RepoSize: number
  StorageMax: number
  RepoPath: string
  Version: string
}

const units: Record<string, number> = {
  B: 1, kB: 1e3, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3, TB: 1e12, TiB: 1024 ** 4
}

/** Bytes of a size such as `10GB` or `512 MiB` (the schema of `Datastore.StorageMax`). */
export function parseByteSize (text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)?$/.exec(text.trim())
  const unit = units[match?.[2] ?? 'B']
  if (match == null || unit == null) throw new Error(`not a size: ${text}`)
  return Math.round(Number(match[1]) * unit)
}

/** Counts the blocks and the bytes of a repo, streaming over its files. */
export async function repoStat (repo: Repo): Promise<RepoStat> {
  let objects = 0
  let blockBytes = 0
  for await (const file of blockFiles(repo.paths.blocks)) {
    objects++
    blockBytes += file.size
  }
  let otherBytes = 0
  // temp files in blocks/ are not counted: they are not blocks, and GC removes them
  for await (const size of concurrently(filesUnder(repo.paths.root, repo.paths.blocks), fileSize)) {
    otherBytes += size
  }
  return {
    NumObjects: objects,
    RepoSize: blockBytes + otherBytes,
    StorageMax: parseByteSize(repo.config.Datastore.StorageMax),
    RepoPath: repo.paths.root,
    Version: repoVersion
  }
}
