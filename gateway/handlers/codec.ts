import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { readBlock, type DagPathResolution } from '../../node/blocks.js'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODEC, RAW } from '../../node/dag/codecs.js'
import { NotAcceptableError } from '../../node/errors.js'
import { ipfsPathOf, readOptions, type ContentRequest } from '../content-request.js'
import { formatMediaTypes, type ResponseFormat } from '../format.js'
import { answeredNotModified, contentDisposition, setContentHeaders } from '../headers.js'
import { sendBlockBody, setNegotiatedHeaders } from './block-response.js'
import { escapeHtml } from './unixfs-dir.js'
import type { Request, Response } from 'express'
import type { CID } from 'multiformats/cid'

/** The codecs whose blocks are documents the gateway serves as such (not UnixFS). */
export const documentCodecs: ReadonlySet<number> = new Set([DAG_CBOR, CBOR, DAG_JSON, JSON_CODEC])

/** The media type a document codec is served with by default. */
const codecMediaType: Readonly<Record<number, string>> = {
  [DAG_JSON]: formatMediaTypes['dag-json'],
  [DAG_CBOR]: formatMediaTypes['dag-cbor'],
  [JSON_CODEC]: formatMediaTypes.json,
  [CBOR]: formatMediaTypes.cbor
}

/** Codecs whose bytes already are the asked media type (no conversion). */
const asIs: Readonly<Record<string, readonly number[]>> = {
  'dag-json': [DAG_JSON],
  'dag-cbor': [DAG_CBOR],
  json: [JSON_CODEC, DAG_JSON],
  cbor: [CBOR, DAG_CBOR]
}

/** Version of the generated HTML, part of its Etag so a new rendering busts caches. */
const htmlVersion = '1'

/** The formats a document response answers: the default one, or a codec asked for by name. */
export type DocumentFormat = Exclude<ResponseFormat, { kind: 'raw' | 'car' | 'tar' | 'ipns-record' }>

/**
 * Serves the block a path resolved to (`resolved.terminal`, reached through
 * `resolved.via`, all allowed by the denylist) as a document, per the path gateway spec;
 * the dispatch (`handlers/respond.ts`) has decided it is one:
 *
 * - no explicit format, a dag-json/dag-cbor/json/cbor block: the block as-is with its
 *   codec's media type (dag-json/dag-cbor as a small HTML page when the client accepts
 *   `text/html`);
 * - `dag-json` / `dag-cbor`: the block as-is when it has that codec, else converted
 *   (dag-pb in its IPLD logical form, raw as bytes, dag-cbor ⇄ dag-json, plain json/cbor
 *   read as their dag- variant); 406 when it cannot be represented;
 * - `json` / `cbor`: the block as-is with the plain media type when its codec is the
 *   json/cbor family, 406 for the other document codec.
 */
export async function serveDocument (req: Request, res: Response, ctx: ContentRequest, format: DocumentFormat, resolved: DagPathResolution): Promise<void> {
  const cid = resolved.terminal
  const codec = cid.code
  const mediaType = format.kind === 'default' ? codecMediaType[codec] ?? formatMediaTypes['dag-json'] : format.mediaType
  if (format.kind === 'default' && format.acceptsHtml && !ctx.download && (codec === DAG_JSON || codec === DAG_CBOR)) {
    await sendHtml(req, res, ctx, cid, resolved.roots)
    return
  }
  const convert = format.kind !== 'default' && !(asIs[format.kind] ?? []).includes(codec)
  if (convert && (format.kind === 'json' || format.kind === 'cbor')) {
    throw new NotAcceptableError(`${cid.toString()} (${codecName(codec)}) cannot be served as ${format.mediaType}; ask for ?format=dag-json or ?format=dag-cbor`)
  }

  const short = mediaType.slice(Math.max(mediaType.lastIndexOf('/'), mediaType.lastIndexOf('.')) + 1)
  const etag = `"${cid.toString()}.${short}"`
  setNegotiatedHeaders(req, res, ctx, format, { etag, roots: resolved.roots })
  const ext = short.endsWith('json') ? '.json' : '.cbor'
  res.setHeader('Content-Disposition', contentDisposition(ctx.download || ext === '.cbor' ? 'attachment' : 'inline', ctx.filename ?? `${cid.toString()}${ext}`))
  if (answeredNotModified(req, res, etag)) return

  const bytes = await readBlock(ctx.node, cid, readOptions(ctx))
  const body = convert ? convertBlock(cid, bytes, format.kind === 'dag-cbor' ? 'dag-cbor' : 'dag-json') : bytes
  sendBlockBody(req, res, ctx, mediaType, body)
}

/** Re-encodes a block as dag-json or dag-cbor; {@link NotAcceptableError} when it cannot be. */
export function convertBlock (cid: CID, bytes: Uint8Array, to: 'dag-json' | 'dag-cbor'): Uint8Array {
  let value: unknown
  try {
    value = decodeBlock(cid, bytes)
  } catch (err) {
    if (err instanceof NotAcceptableError) throw err
    throw new NotAcceptableError(`${cid.toString()} cannot be read as ${codecName(cid.code)} to convert it to ${to}: ${(err as Error).message}`)
  }
  try {
    return to === 'dag-json' ? dagJson.encode(value) : dagCbor.encode(value)
  } catch (err) {
    throw new NotAcceptableError(`${cid.toString()} cannot be represented as ${to}: ${(err as Error).message}`)
  }
}

/** The IPLD data model of a block (dag-pb in its logical form, raw as bytes). */
function decodeBlock (cid: CID, bytes: Uint8Array): unknown {
  switch (cid.code) {
    case DAG_PB: return dagPb.decode(bytes)
    case RAW: return bytes
    case DAG_CBOR:
    case CBOR: return dagCbor.decode(bytes)
    case DAG_JSON:
    case JSON_CODEC: return dagJson.decode(bytes)
    default: throw new NotAcceptableError(`${cid.toString()} has codec 0x${cid.code.toString(16)}, which cannot be converted`)
  }
}

function codecName (code: number): string {
  switch (code) {
    case DAG_PB: return 'dag-pb'
    case RAW: return 'raw'
    case DAG_CBOR: return 'dag-cbor'
    case CBOR: return 'cbor'
    case DAG_JSON: return 'dag-json'
    case JSON_CODEC: return 'json'
    default: return `0x${code.toString(16)}`
  }
}

/**
 * 501 for a path that ends inside a document rather than at a link: the spec leaves
 * reading other IPLD kinds to a future IPIP.
 */
export function sendPathRemainder (res: Response, ctx: ContentRequest, cid: CID, remainder: readonly string[]): void {
  ctx.signal.done()
  const rest = '/' + remainder.join('/')
  res.status(501)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Cache-Control', 'no-cache')
  res.end(`501 "${rest}" of /ipfs/${cid.toString()}${rest} could not be returned: reading IPLD Kinds other than Links (CBOR Tag 42) is not implemented: try reading /ipfs/${cid.toString()} instead\n`)
}

/** A small HTML view of a dag-json/dag-cbor block, with links to its other forms. */
async function sendHtml (req: Request, res: Response, ctx: ContentRequest, cid: CID, roots: readonly CID[]): Promise<void> {
  const url = req.originalUrl
  const at = url.indexOf('?')
  const pathname = at < 0 ? url : url.slice(0, at)
  if (!pathname.endsWith('/')) {
    ctx.signal.done()
    res.redirect(301, `${pathname}/${at < 0 ? '' : url.slice(at)}`)
    return
  }
  const etag = `"DagIndex-${htmlVersion}_CID-${cid.toString()}"`
  setContentHeaders(res, { ipfsPath: ipfsPathOf(ctx), roots, etag, cacheControl: ctx.name?.cacheControl })
  // generated HTML may change with the gateway: not cached as immutable (as boxo does)
  res.removeHeader('Cache-Control')
  if (answeredNotModified(req, res, etag)) return
  const bytes = await readBlock(ctx.node, cid, readOptions(ctx))
  let pretty: string
  try {
    pretty = JSON.stringify(JSON.parse(new TextDecoder().decode(convertBlock(cid, bytes, 'dag-json'))), null, 2)
  } catch {
    pretty = '(this block could not be shown as dag-json)'
  }
  const name = codecName(cid.code)
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(name)} ${cid.toString()}</title></head>
<body>
<h1>${escapeHtml(name)} document</h1>
<p><code>${cid.toString()}</code> (${bytes.byteLength} bytes)</p>
<p>Download: <a href="?format=dag-json&amp;download=true">dag-json</a> · <a href="?format=dag-cbor&amp;download=true">dag-cbor</a> · <a href="?format=raw">raw block</a> · <a href="?format=car">CAR</a></p>
<pre>${escapeHtml(pretty)}</pre>
</body>
</html>
`
  sendBlockBody(req, res, ctx, 'text/html; charset=utf-8', new TextEncoder().encode(html))
}
