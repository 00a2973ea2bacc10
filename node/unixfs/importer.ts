import { importer, type ImportCandidate, type ImporterOptions, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize, rabin } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { Channel } from './channel.js'
import { framesOf } from './leaf-frames.js'
import { pbLeafImporter, rawLeafImporter } from './leaf-importers.js'
import { WriteBehind } from './write-behind.js'
import { UsageError } from '../errors.js'
import { assertSafePath } from './safe-name.js'
import type { ImportProfile } from './import-options.js'
import type { InputEntry } from './entries.js'
import type { CID } from 'multiformats/cid'
import type { Mtime } from 'ipfs-unixfs'

/** One imported file or directory, in Kubo's `add` output shape (`Size` is a string there too). */
export interface AddedEntry {
  Name: string
  Hash: string
  Size: string
}

/** Kubo's `add --progress` value: bytes of the named file read so far. */
export interface AddProgress {
  Name: string
  Bytes: number
}

/** What {@link importEntries} yields. */
export type ImportEvent =
  | { type: 'added', entry: AddedEntry, cid: CID, topLevel: boolean }
  | { type: 'progress', progress: AddProgress }

/** Options for {@link importEntries}. */
export interface ImportEntriesOptions {
  signal?: AbortSignal
  /** Yield progress events while file bytes are read. */
  progress?: boolean
  /** The inputs' contents can be read in any order (see `CommandCall.independentInputs`): several files are imported at once. */
  independentInputs?: boolean
}

/** Progress is reported at most once per this many bytes (and at the end of each file). */
const progressStep = 1024 * 1024

/**
 * Files imported at once from independent inputs: each small file is a dozen file-system
 * calls in a row, so one at a time leaves the disk and libuv's threads idle between them
 * (10,000 files of 100–1000 B: 8 at once took 0.83 × the time of 1, 32 at once 0.94 × that
 * of 8). Big files take turns (cli/inputs.ts), so this does not multiply memory.
 */
const CONCURRENT_FILES = 32

/**
 * Translates an import profile into ipfs-unixfs-importer options: leaves written behind
 * by `writes`, `concurrentFiles` files at once (1 unless the inputs are independent).
 */
export function importerOptions (profile: ImportProfile, writes: WriteBehind, concurrentFiles = 1): ImporterOptions {
  const chunker = profile.chunker.type === 'fixed'
    ? fixedSize({ chunkSize: profile.chunker.size })
    : rabin({ minChunkSize: profile.chunker.min, avgChunkSize: profile.chunker.avg, maxChunkSize: profile.chunker.max })
  const trickled = profile.layout === 'trickle'
  // Kubo's trickle builder always makes a root over its leaves, with UnixFS `raw` leaves
  const leafType = trickled ? 'raw' : 'file'
  return {
    cidVersion: profile.cidVersion,
    rawLeaves: profile.rawLeaves,
    chunker,
    layout: trickled
      ? trickle({ maxChildrenPerNode: profile.maxChildrenPerNode, layerRepeat: 4 })
      : balanced({ maxChildrenPerNode: profile.maxChildrenPerNode }),
    ...(trickled ? { reduceSingleLeafToSelf: false, leafType } : {}),
    bufferImporter: profile.rawLeaves ? rawLeafImporter(writes) : pbLeafImporter(writes, { cidVersion: profile.cidVersion, leafType }),
    shardSplitThresholdBytes: profile.shardSplitThresholdBytes,
    shardSplitStrategy: profile.shardSplitStrategy,
    shardFanoutBits: 8,
    fieldOrder: 'links-first',
    // a few 1 MiB blocks in flight keep the disk busy; more only raises peak memory
    blockWriteConcurrency: 4,
    wrapWithDirectory: profile.wrapWithDirectory,
    // one file at a time unless the inputs are independent: the importer pulls this many
    // entries before reading any content, which deadlocks on a sequential source (an RPC
    // multipart upload, where the next part only arrives once this one's bytes are read)
    fileImportConcurrency: concurrentFiles
  }
}

/**
 * The chunk size files come in frames of, for fixed-size chunks: read into them from the
 * local disk ({@link InputEntry.readChunks}), copied into them from a stream (stdin, an
 * RPC upload: `framesOf`). A dag-pb leaf is then made around its chunk in place, a raw
 * leaf is the frame's chunk itself, and either's frame is filled again once the leaf is
 * written (leaf-frames.ts). Raw leaves read through the file's stream instead were
 * copied out of its 64 KiB pieces by the chunker: a synced 512 MiB `add` took 2.08–2.39 s
 * that way and 1.26–1.74 s from frames, `add -n` 0.69–0.74 s and 0.52–0.54 s.
 */
function framedChunkSize (profile: ImportProfile): number | undefined {
  return profile.chunker.type === 'fixed' ? profile.chunker.size : undefined
}

function toMtime (date: Date): Mtime {
  const ms = date.getTime()
  const secs = Math.floor(ms / 1000)
  return { secs: BigInt(secs), nsecs: (ms - secs * 1000) * 1_000_000 }
}

async function * countBytes (content: AsyncIterable<Uint8Array>, name: string, report: ((p: AddProgress) => void) | undefined, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let bytes = 0
  let reported = 0
  for await (const chunk of content) {
    signal.throwIfAborted()
    bytes += chunk.byteLength
    if (report != null && bytes - reported >= progressStep) {
      reported = bytes
      report({ Name: name, Bytes: bytes })
    }
    yield chunk
  }
  report?.({ Name: name, Bytes: bytes })
}

async function * candidates (inputs: AsyncIterable<InputEntry>, profile: ImportProfile, report: ((p: AddProgress) => void) | undefined, signal: AbortSignal): AsyncGenerator<ImportCandidate> {
  for await (const input of inputs) {
    signal.throwIfAborted()
    const meta = {
      ...(profile.preserveMode && input.mode !== undefined ? { mode: input.mode } : {}),
      ...(profile.preserveMtime && input.mtime !== undefined ? { mtime: toMtime(input.mtime) } : {})
    }
    if (profile.wrapWithDirectory && input.path === '') {
      throw new UsageError('stdin has no name to wrap: give one with --stdin-name')
    }
    // stdin without a name is the one entry with an empty path
    if (input.path !== '') assertSafePath(input.path, `add ${JSON.stringify(input.path)}`)
    if (input.target !== undefined) {
      yield { path: input.path, link: input.target, ...meta }
    } else if (input.content == null) {
      yield { path: input.path, ...meta }
    } else {
      const frameSize = framedChunkSize(profile)
      const bytes = frameSize == null ? input.content : input.readChunks?.(frameSize) ?? framesOf(input.content, frameSize)
      const content = countBytes(bytes, input.path, report, signal)
      yield { ...(input.path !== '' ? { path: input.path } : {}), content, ...meta }
    }
  }
}

/**
 * Imports files and directories into a UnixFS DAG written to `blockstore`, yielding one
 * event per finished entry (root last) and, with `progress`, byte counts as files are
 * read. Nothing is buffered beyond the chunks in flight: file bytes stream from the
 * inputs into the importer.
 */
export async function * importEntries (inputs: AsyncIterable<InputEntry>, blockstore: WritableStorage, profile: ImportProfile, options: ImportEntriesOptions = {}): AsyncGenerator<ImportEvent, void, undefined> {
  const controller = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  const events = new Channel<ImportEvent>()
  const report = options.progress === true ? (progress: AddProgress) => { events.push({ type: 'progress', progress }) } : undefined
  const wrap = profile.wrapWithDirectory
  const writes = new WriteBehind(blockstore)
  const pump = (async () => {
    const entries = importer(candidates(inputs, profile, report, signal), writes.ordered, importerOptions(profile, writes, options.independentInputs === true ? CONCURRENT_FILES : 1))
    try {
      for await (const result of entries) {
        const hash = result.cid.toString()
        const path = result.path ?? ''
        events.push({
          type: 'added',
          entry: { Name: path === '' ? hash : path, Hash: hash, Size: result.size.toString() },
          cid: result.cid,
          topLevel: wrap ? path === '' : !path.includes('/')
        })
      }
      // a file of one leaf is its leaf: the import ends when the last write has
      await writes.settle()
    } finally {
      // a failed import too: no write goes on after it (the caller may release the GC lock)
      await writes.settle().catch(() => {})
    }
  })()
  pump.then(() => { events.end() }, (err: unknown) => { events.end(err) })
  try {
    yield * events
  } finally {
    // stops reading the inputs if the reader left early (the pump's outcome is already handled)
    controller.abort()
  }
}
