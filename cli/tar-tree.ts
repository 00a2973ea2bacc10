import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { noModePax, noMtimePax } from '../gateway/rpc/tar-response.js'
import type { TreeEntry } from '../node/commands/command.js'

/**
 * Reads back the tar stream of an RPC `get` as the tree entries the command yielded:
 * the first name component (the root's name) is dropped, so the root is `''`. Each
 * file's content is the tar entry's stream; an entry the caller does not read is
 * drained before the next one.
 */
export async function * treeEntriesFromTar (source: AsyncIterable<Uint8Array>): AsyncGenerator<TreeEntry> {
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
      if (pax[noMtimePax] == null) entry.mtime = header.mtime
      if (header.type === 'directory') {
        entry.type = 'directory'
      } else if (header.type === 'symlink') {
        entry.type = 'symlink'
        entry.target = header.linkname
      } else {
        entry.content = item as unknown as AsyncIterable<Uint8Array>
        entry.size = BigInt(header.size)
      }
      yield entry
      item.resume()
    }
  } finally {
    input.destroy()
  }
}
