import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { noModePax, noMtimePax } from '../gateway/rpc/tar-response.js'
import type { TreeEntry } from '../node/commands/command.js'

/**
 * Reads back the tar stream of an RPC `get` as the tree entries the command yielded:
 * the first name component (the root's name) is dropped, so the root is `''`. Each
 * file's content is the tar entry's stream; an entry the caller does not read is
 * drained before the next one. `explain` turns a read failure (a tar cut short) into
 * the error that caused it, when the sender told us.
 */
export async function * treeEntriesFromTar (source: AsyncIterable<Uint8Array>, explain: (err: unknown) => unknown = err => err): AsyncGenerator<TreeEntry> {
  const extract = tar.extract()
  const input = Readable.from(source)
  input.on('error', err => extract.destroy(err))
  input.pipe(extract as unknown as NodeJS.WritableStream)
  try {
    for await (const item of extract) {
      const { header } = item
      const path = header.name.replace(/\/+$/, '').split('/').slice(1).join('/')
      const pax = (header.pax ?? {}) as Record<string, string>
      const entry: TreeEntry = { path, type: 'file' }
      if (pax[noModePax] == null) entry.mode = header.mode
      if (pax[noMtimePax] == null) entry.mtime = pax.mtime != null ? new Date(Math.round(Number(pax.mtime) * 1000)) : header.mtime
      if (header.type === 'directory') {
        entry.type = 'directory'
      } else if (header.type === 'symlink') {
        entry.type = 'symlink'
        entry.target = header.linkname
      } else {
        entry.content = explained(item as unknown as AsyncIterable<Uint8Array>, explain)
        entry.size = BigInt(header.size)
      }
      yield entry
      item.resume()
    }
  } finally {
    input.destroy()
  }
}

async function * explained (content: AsyncIterable<Uint8Array>, explain: (err: unknown) => unknown): AsyncGenerator<Uint8Array> {
  try {
    yield * content
  } catch (err) {
    throw explain(err)
  }
}
