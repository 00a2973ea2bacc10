import { resolvePath } from '../../node/content/resolve.js'
import { isCairnError } from '../../node/errors.js'
import { encodeSegment, ipfsPathOf, readOptions, type ContentRequest } from '../content-request.js'
import { answeredNotModified, setContentHeaders } from '../headers.js'
import { sendBody } from '../stream-body.js'
import { serveUnixfsFile, type ByteEntry } from './unixfs-file.js'
import type { Request, Response } from 'express'
import type { UnixFSDirectoryEntry, UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

type DirectoryEntry = Extract<UnixFSEntry, { type: 'directory' }>

/** Bumped when the listing's HTML changes, so cached listings are revalidated. */
const listingVersion = 'cairn-1'
/** Listings may change with the gateway's HTML, unlike file bytes. */
const listingCacheControl = 'public, max-age=604800, stale-while-revalidate=2678400'
/** Rows per written chunk. */
const rowsPerChunk = 200

/**
 * Serves a directory: a path without a trailing slash is redirected (301) to one, so
 * relative links work; then `index.html` when the directory has one, else an HTML
 * listing. The listing streams as the directory is read and shows each entry's name,
 * size (the link's Tsize), CID and link, without loading the entries themselves, so a
 * 10,000-entry HAMT directory costs one read of its shard blocks.
 */
export async function serveUnixfsDir (req: Request, res: Response, ctx: ContentRequest, resolved: { cid: CID, roots: CID[] }, dir: DirectoryEntry): Promise<void> {
  if (!ctx.trailingSlash) {
    const base = ctx.subdomain ? (ctx.name?.rest ?? ctx.encodedRest) : ipfsPathOf(ctx)
    res.redirect(301, `${base}/${ctx.search}`)
    return
  }
  const index = await findIndexHtml(ctx, resolved.cid)
  if (index != null) {
    await serveUnixfsFile(req, res, ctx, { entry: index, roots: [...resolved.roots, index.cid], name: 'index.html' })
    return
  }
  const etag = `"DirIndex-${listingVersion}_CID-${resolved.cid.toString()}"`
  setContentHeaders(res, { ipfsPath: ipfsPathOf(ctx), roots: resolved.roots, etag, cacheControl: ctx.name?.cacheControl })
  res.setHeader('Cache-Control', ctx.name?.cacheControl ?? listingCacheControl)
  if (answeredNotModified(req, res, etag)) return
  res.status(200)
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  await sendBody(res, ctx, listingHtml(ctx, resolved.cid, dir.entries(readOptions(ctx))))
}

async function findIndexHtml (ctx: ContentRequest, dir: CID): Promise<ByteEntry | undefined> {
  try {
    const found = await resolvePath(ctx.node, { root: dir, segments: ['index.html'] }, readOptions(ctx))
    return found.entry.type === 'file' || found.entry.type === 'raw' ? found.entry : undefined
  } catch (err) {
    if (isCairnError(err) && err.code === 'ERR_NOT_FOUND') return undefined
    throw err
  }
}

/** The listing page, streamed: head, rows in chunks, foot. */
async function * listingHtml (ctx: ContentRequest, cid: CID, entries: AsyncIterable<UnixFSDirectoryEntry>): AsyncGenerator<string> {
  const shownPath = `/ipfs/${ctx.path.root.toString()}${ctx.path.segments.map(s => '/' + s).join('')}`
  const title = escapeHtml(shownPath)
  yield `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}/</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3em .8em;border-bottom:1px solid #ddd}
td.size{text-align:right;white-space:nowrap}
td.cid{font-family:monospace;font-size:.85em;color:#555}
</style>
</head>
<body>
<h1>Index of ${title}/</h1>
<p class="cid">CID: <code>${escapeHtml(cid.toString())}</code></p>
<table>
<thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead>
<tbody>
`
  if (ctx.path.segments.length > 0) {
    yield '<tr class="parent"><td><a href="../">..</a></td><td class="size"></td><td class="cid"></td></tr>\n'
  }
  let rows: string[] = []
  for await (const entry of entries) {
    const href = './' + encodeSegment(entry.name)
    const child = entry.cid.toString()
    const cidLink = ctx.subdomain ? escapeHtml(child) : `<a href="/ipfs/${child}">${escapeHtml(child)}</a>`
    rows.push(`<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name)}</a></td><td class="size" title="${entry.size} bytes">${formatSize(entry.size)}</td><td class="cid">${cidLink}</td></tr>\n`)
    if (rows.length >= rowsPerChunk) {
      yield rows.join('')
      rows = []
    }
  }
  yield rows.join('')
  yield '</tbody>\n</table>\n</body>\n</html>\n'
}

/** Escapes text for HTML bodies and attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** `1.5 MiB`-style sizes. */
export function formatSize (bytes: bigint): string {
  const n = Number(bytes)
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit] ?? ''}`
}
