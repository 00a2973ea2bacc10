import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import type { Config } from '../config/config.js'
import type { CID } from 'multiformats/cid'

/** A request whose Host names content: `<id>.<ns>.<gateway host>`. */
export interface SubdomainRequest {
  namespace: 'ipfs' | 'ipns'
  /** The label before `.ipfs.`, not yet parsed as a CID. */
  id: string
  /** The gateway's own host (with port), e.g. `localhost:8080`. */
  gatewayHost: string
}

/** Splits a Host header into hostname (lowercase, no brackets) and `:port` (or ''). */
export function splitHost (host: string): { hostname: string, port: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host.trim())
  if (m == null) return { hostname: host.toLowerCase(), port: '' }
  return { hostname: (m[1] ?? '').toLowerCase(), port: m[2] ?? '' }
}

/** True when `hostname` is a gateway in `Gateway.PublicGateways` with `UseSubdomains`. */
export function isSubdomainGateway (config: Config, hostname: string): boolean {
  const entry = Object.entries(config.Gateway.PublicGateways)
    .find(([name]) => name.toLowerCase() === hostname)?.[1]
  return entry?.UseSubdomains === true
}

/**
 * Recognises `<id>.ipfs.<host>` (or `.ipns.`) where `<host>` is a subdomain gateway of
 * the config. Anything else (127.0.0.1, an unknown name) is a plain path gateway request.
 */
export function parseSubdomainHost (config: Config, host: string | undefined): SubdomainRequest | undefined {
  if (host == null) return undefined
  const { hostname, port } = splitHost(host)
  const m = /^([^.]+)\.(ipfs|ipns)\.(.+)$/.exec(hostname)
  if (m == null) return undefined
  const [, id = '', namespace, gateway = ''] = m
  if (!isSubdomainGateway(config, gateway)) return undefined
  return { namespace: namespace === 'ipns' ? 'ipns' : 'ipfs', id, gatewayHost: gateway + port }
}

/** The longest DNS label (RFC 1034). */
const maxLabelLength = 63

/**
 * The DNS-safe, case-insensitive form a CID takes in a subdomain: CIDv1 in base32, or
 * base36 when base32 would not fit in one DNS label (long hashes), as boxo does.
 */
export function subdomainLabel (cid: CID): string {
  const v1 = cid.toV1()
  const b32 = v1.toString(base32)
  return b32.length <= maxLabelLength ? b32 : v1.toString(base36)
}

/**
 * The subdomain URL serving `/ipfs/<cid><rest>`: `http://<label>.ipfs.<gateway host><rest>`,
 * with the query kept. `rest` is the still-encoded path after the CID.
 */
export function subdomainUrl (proto: string, gatewayHost: string, cid: CID, rest: string, search: string): string {
  return `${proto}://${subdomainLabel(cid)}.ipfs.${gatewayHost}${rest === '' ? '/' : rest}${search}`
}
