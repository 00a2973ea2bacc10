import { once } from 'node:events'
import tar from 'tar-stream'
import type { TreeEntry } from '../../node/commands/command.js'

/** PAX record marking an entry whose DAG node has no mode (the tar's mode is a default). */
export const noModePax = 'CAIRN.nomode'
/** PAX record marking an entry whose DAG node has no mtime (the tar's mtime is a default). */
export const noMtimePax = 'CAIRN.nomtime'

/**
 * The name of the tree's root inside the tar, as Kubo names it: the last segment of the
 * requested path (`<cid>` or `<cid>/a/b` → `b`).
 */
export function tarRootName (arg: string | undefined): string {
  const segments = (arg ?? '').split('/').filter(s => s !== '' && s !== 'ipfs' && s !== 'ipfs:')
  return segments[segments.length - 1] ?? 'root'
}

/**
 * Packs a command's tree entries into a tar stream, one entry at a time: a file's
 * content is copied into the tar as it is read, never held whole. Entry names are
 * `<root>/<path>`, as in Kubo's `get`.
 */
export async function * tarChunks (entries: AsyncIterable<TreeEntry>, root: string): AsyncGenerator<Uint8Array> {
  const pack = tar.pack()
  pack.on('error', () => {})
  const stop = new AbortController()
  let failure: unknown
  const feeding = (async () => {
    for await (const entry of entries) {
      await addEntry(pack, entry, root, stop.signal)
    }
    pack.finalize()
  })().catch(err => {
    failure = err
    pack.destroy(err as Error)
  })
  try {
    for await (const chunk of pack as AsyncIterable<Uint8Array>) {
      yield chunk
    }
  } catch (err) {
    throw failure ?? err
  } finally {
    stop.abort()
    if (!pack.destroyed) pack.destroy()
    await feeding
  }
  if (failure !== undefined) throw failure
}

async function addEntry (pack: tar.Pack, entry: TreeEntry, root: string, signal: AbortSignal): Promise<void> {
  const header: Partial<tar.Header> & { name: string } = {
    name: entry.path === '' ? root : `${root}/${entry.path}`,
    type: entry.type,
    ...(entry.mode != null ? { mode: entry.mode } : {}),
    ...(entry.mtime != null ? { mtime: entry.mtime } : {})
  }
  // tar always carries a mode and a whole-second mtime: say which ones the DAG did not
  // have, and keep sub-second mtimes in the standard PAX `mtime` record
  const pax: Record<string, string> = {
    ...(entry.mode == null ? { [noModePax]: '1' } : {}),
    ...(entry.mtime == null ? { [noMtimePax]: '1' } : {}),
    ...(entry.mtime != null && entry.mtime.getTime() % 1000 !== 0 ? { mtime: (entry.mtime.getTime() / 1000).toFixed(3) } : {})
  }
  if (Object.keys(pax).length > 0) header.pax = pax
  if (entry.type === 'symlink') {
    pack.entry({ ...header, linkname: entry.target ?? '' })
    return
  }
  if (entry.type === 'directory') {
    pack.entry(header)
    return
  }
  if (entry.size == null) throw new Error(`tree entry ${header.name} has no size`)
  let done!: (err?: Error | null) => void
  const written = new Promise<void>((resolve, reject) => { done = err => { if (err != null) reject(err); else resolve() } })
  written.catch(() => {})
  const sink = pack.entry({ ...header, size: Number(entry.size) }, err => done(err))
  // a failed export destroys the pack and with it this entry; the failure is reported once, by tarChunks
  sink.on('error', () => {})
  for await (const chunk of entry.content ?? []) {
    if (!sink.write(chunk)) await once(sink, 'drain', { signal })
  }
  sink.end(undefined)
  await written
}
