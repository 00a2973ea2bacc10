import { UsageError } from '../errors.js'
import { legacyChunkSize, parseChunker, type ImportProfile } from '../unixfs/import-options.js'
import type { Options } from './command.js'

/**
 * The import profile for `add`'s options. Defaults are IPIP-499's modern profile
 * (`unixfs-v1-2025`: CIDv1, raw leaves, 1 MiB chunks, 1024 links, block-size HAMT
 * estimate); `--cid-version 0` gives Kubo's legacy one (`unixfs-v0-2015`: dag-pb leaves,
 * 256 KiB chunks, 174 links, link-size estimate). Explicit flags override either.
 */
export function importProfile (options: Options): ImportProfile {
  const version = options['cid-version'] ?? 1
  if (version !== 0 && version !== 1) {
    throw new UsageError(`invalid --cid-version ${String(version)} (use 0 or 1)`)
  }
  const legacy = version === 0
  const chunkSize = legacy ? legacyChunkSize : 1024 * 1024
  const chunker = typeof options.chunker === 'string' && options.chunker !== ''
    ? parseChunker(options.chunker, legacyChunkSize)
    : { type: 'fixed' as const, size: chunkSize }
  return {
    cidVersion: version,
    rawLeaves: typeof options['raw-leaves'] === 'boolean' ? options['raw-leaves'] : !legacy,
    chunker,
    maxChildrenPerNode: legacy ? 174 : 1024,
    layout: options.trickle === true ? 'trickle' : 'balanced',
    shardSplitThresholdBytes: 256 * 1024,
    shardSplitStrategy: legacy ? 'links-bytes' : 'block-bytes',
    wrapWithDirectory: options['wrap-with-directory'] === true,
    preserveMode: options['preserve-mode'] === true,
    preserveMtime: options['preserve-mtime'] === true
  }
}
