import { NotAcceptableError, UsageError } from '../node/errors.js'
import type { Request } from 'express'

/** Explicit response formats a client can ask for with `?format=` or `Accept`. */
export type FormatName = 'raw' | 'car' | 'tar' | 'dag-json' | 'dag-cbor' | 'json' | 'cbor' | 'ipns-record'

/** The CAR variant to send (IPIP-412), after defaults: CARv1, depth-first, no duplicates. */
export interface CarVariant {
  version: 1
  order: 'dfs' | 'unk'
  dups: boolean
}

/**
 * What a gateway request asked for. `kind: 'default'` is the implicit deserialized
 * response: UnixFS file bytes or a directory for dag-pb/raw, the block with its own
 * media type for json/cbor/dag-json/dag-cbor CIDs.
 */
export type ResponseFormat =
  | { kind: 'default', source: 'none', acceptsHtml: boolean }
  | { kind: Exclude<FormatName, 'car'>, mediaType: string, source: FormatSource, acceptsHtml: boolean }
  | { kind: 'car', mediaType: string, source: FormatSource, acceptsHtml: boolean, car: CarVariant }

/** Where an explicit format came from: the `format` query parameter, or only the `Accept` header. */
export type FormatSource = 'query' | 'accept'

/** Media type of each explicit format. */
export const formatMediaTypes: Readonly<Record<FormatName, string>> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  tar: 'application/x-tar',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
  'ipns-record': 'application/vnd.ipfs.ipns-record'
}

const formatByMediaType = new Map(Object.entries(formatMediaTypes).map(([name, type]) => [type, name as FormatName]))

/** Formats this gateway can produce on /ipfs/ paths (tar and IPNS records are not served). */
const supported: ReadonlySet<FormatName> = new Set(['raw', 'car', 'dag-json', 'dag-cbor', 'json', 'cbor'])

/** One entry of an `Accept` header. */
export interface AcceptEntry {
  mediaType: string
  params: Record<string, string>
  q: number
}

/**
 * Parses an `Accept` header (RFC 9110 §12.5.1) into its entries, in header order, with
 * lower-cased media types and parameter names and `q` (default 1, 0 for a bad value).
 */
export function parseAccept (header: string | undefined): AcceptEntry[] {
  if (header == null || header.trim() === '') return []
  const entries: AcceptEntry[] = []
  for (const part of header.split(',')) {
    const [type = '', ...rawParams] = part.split(';')
    const mediaType = type.trim().toLowerCase()
    if (mediaType === '') continue
    const params: Record<string, string> = {}
    let q = 1
    for (const raw of rawParams) {
      const eq = raw.indexOf('=')
      if (eq < 0) continue
      const name = raw.slice(0, eq).trim().toLowerCase()
      const value = raw.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
      if (name === 'q') {
        const parsed = Number(value)
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) && Number.isFinite(parsed) ? parsed : 0
      } else {
        params[name] = value
      }
    }
    entries.push({ mediaType, params, q })
  }
  return entries
}

/**
 * Decides the response format of a gateway request, as the path gateway spec says:
 * `?format=` takes precedence over `Accept`; among `Accept` entries the highest `q`
 * wins (header order breaks ties), generic types (`text/html`, `*\/*`) mean the
 * default response (also when their `q` is above every explicit type's), and an entry
 * for a variant this gateway cannot give (a CAR `version=2`, `order=foo`) is skipped in
 * favour of the next one. CAR parameters come
 * from `car-version`/`car-order`/`car-dups` query parameters first, then from the
 * chosen `Accept` entry, then the defaults (v1, dfs, no duplicates).
 *
 * Throws {@link UsageError} (400) for an unknown `?format=` or a bad `car-*` query
 * value, {@link NotAcceptableError} (406) for `tar` and `ipns-record`, or when every
 * explicit `Accept` entry names something this gateway cannot give.
 */
export function negotiateFormat (req: Request, query: URLSearchParams): ResponseFormat {
  const accept = parseAccept(req.headers.accept)
  const acceptsHtml = accept.some(e => e.q > 0 && e.mediaType === 'text/html')
  const formatParam = query.get('format')

  let chosen: { name: FormatName, params: Record<string, string>, source: FormatSource } | undefined
  if (formatParam != null && formatParam !== '') {
    const name = formatParam as FormatName
    if (!(name in formatMediaTypes)) throw new UsageError(`unknown format "${formatParam.slice(0, 50)}" (raw, car, dag-json, dag-cbor, json, cbor)`)
    if (!supported.has(name)) throw new NotAcceptableError(`format=${name} is not supported by this gateway`)
    // an Accept entry for the same media type may carry its parameters (CAR order, dups)
    const same = accept.find(e => e.q > 0 && e.mediaType === formatMediaTypes[name] && (name !== 'car' || carVariantOf(e.params) != null))
    chosen = { name, params: same?.params ?? {}, source: 'query' }
  } else {
    const explicit = accept
      .map((entry, index) => ({ entry, index, name: formatByMediaType.get(entry.mediaType) }))
      .filter((e): e is { entry: AcceptEntry, index: number, name: FormatName } => e.name != null && e.entry.q > 0)
      .sort((a, b) => b.entry.q - a.entry.q || a.index - b.index)
    const usable = explicit.find(e => supported.has(e.name) && (e.name !== 'car' || carVariantOf(e.entry.params) != null))
    // a client that prefers anything (or HTML) over the explicit types gets the default
    const genericQ = Math.max(0, ...accept.filter(e => isGeneric(e.mediaType)).map(e => e.q))
    if (usable != null && usable.entry.q < genericQ) {
      chosen = undefined
    } else if (usable != null) {
      chosen = { name: usable.name, params: usable.entry.params, source: 'accept' }
    } else if (explicit.length > 0 && !accept.some(e => e.q > 0 && isGeneric(e.mediaType))) {
      const asked = explicit.map(e => e.entry.mediaType).join(', ')
      throw new NotAcceptableError(`cannot answer with ${asked}`)
    }
  }

  if (chosen == null) return { kind: 'default', source: 'none', acceptsHtml }
  const mediaType = formatMediaTypes[chosen.name]
  if (chosen.name === 'car') {
    const car = carVariantFromQuery(query, chosen.params)
    return { kind: 'car', mediaType, source: chosen.source, acceptsHtml, car }
  }
  return { kind: chosen.name as Exclude<FormatName, 'car'>, mediaType, source: chosen.source, acceptsHtml }
}

function isGeneric (mediaType: string): boolean {
  return mediaType === '*/*' || mediaType.endsWith('/*') || mediaType === 'text/html' || mediaType === 'application/xhtml+xml'
}

/** The CAR variant named by `Accept` parameters, or undefined when it is not one this gateway writes. */
function carVariantOf (params: Record<string, string>): CarVariant | undefined {
  const version = params.version ?? ''
  const order = params.order ?? ''
  const dups = params.dups ?? ''
  if (version !== '' && version !== '1') return undefined
  if (order !== '' && order !== 'dfs' && order !== 'unk') return undefined
  if (dups !== '' && dups !== 'y' && dups !== 'n') return undefined
  return { version: 1, order: order === 'unk' ? 'unk' : 'dfs', dups: dups === 'y' }
}

function carVariantFromQuery (query: URLSearchParams, acceptParams: Record<string, string>): CarVariant {
  const fromAccept = carVariantOf(acceptParams) ?? { version: 1, order: 'dfs', dups: false }
  const version = query.get('car-version')
  const order = query.get('car-order')
  const dups = query.get('car-dups')
  if (version != null && version !== '1') throw new UsageError(`unsupported car-version "${version.slice(0, 20)}": only 1 is supported`)
  if (order != null && order !== 'dfs' && order !== 'unk') throw new UsageError(`unsupported car-order "${order.slice(0, 20)}": dfs or unk`)
  if (dups != null && dups !== 'y' && dups !== 'n') throw new UsageError(`unsupported car-dups "${dups.slice(0, 20)}": y or n`)
  return {
    version: 1,
    order: order != null ? order as 'dfs' | 'unk' : fromAccept.order,
    dups: dups != null ? dups === 'y' : fromAccept.dups
  }
}

/** The versioned CAR Content-Type, e.g. `application/vnd.ipld.car; version=1; order=dfs; dups=n`. */
export function carContentType (car: CarVariant): string {
  return `${formatMediaTypes.car}; version=${car.version}; order=${car.order}; dups=${car.dups ? 'y' : 'n'}`
}

/**
 * The `Content-Location` a response should carry (path gateway spec): when the format
 * was negotiated by `Accept` alone, the request URL with `format=` added (and, for a CAR,
 * the variant as `car-*` parameters), so HTTP caches keep the variants apart. Undefined
 * when the URL already names the format. `target` is the request target, `query` its parameters.
 */
export function contentLocationFor (target: string, params: URLSearchParams, format: ResponseFormat): string | undefined {
  if (format.kind === 'default' || format.source !== 'accept') return undefined
  const at = target.indexOf('?')
  const pathname = at < 0 ? target : target.slice(0, at)
  const query = new URLSearchParams(params)
  query.set('format', format.kind)
  if (format.kind === 'car') {
    query.set('car-version', String(format.car.version))
    query.set('car-order', format.car.order)
    query.set('car-dups', format.car.dups ? 'y' : 'n')
  }
  return `${pathname}?${query.toString()}`
}
