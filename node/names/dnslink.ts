import { NotFoundError } from '../errors.js'
import type { DNS } from '@multiformats/dns'

/**
 * A DNS client for DNSLink: `DNS.Resolvers` (Kubo's map of domain suffix to a
 * DNS-over-HTTPS URL, `.` for every other name) or, when the map is empty, the system
 * resolver. Loaded lazily.
 */
export async function dnsClient (resolvers: Record<string, string>): Promise<DNS> {
  const [{ dns }, { dnsOverHttps }] = await Promise.all([
    import('@multiformats/dns'),
    import('@multiformats/dns/resolvers')
  ])
  const entries = Object.entries(resolvers)
  if (entries.length === 0) return dns()
  return dns({ resolvers: Object.fromEntries(entries.map(([suffix, url]) => [suffix, dnsOverHttps(url)])) })
}

/** One step of DNSLink: the `/ipfs/…` or `/ipns/…` path a domain's TXT record names, and its TTL (s). */
export interface DnslinkStep {
  value: string
  ttl: number
}

/**
 * Reads the DNSLink of a domain: TXT records `dnslink=<path>` at `_dnslink.<domain>`,
 * else at the domain itself. Several links: the lexicographically first, as the spec
 * says. None: ERR_NOT_FOUND. Chains (a link to another `/ipns/` name) are the caller's.
 */
export async function readDnslink (client: DNS, domain: string, signal?: AbortSignal): Promise<DnslinkStep> {
  const { RecordType } = await import('@multiformats/dns')
  for (const fqdn of [`_dnslink.${domain}`, domain]) {
    const response = await client.query(fqdn, { types: [RecordType.TXT], ...(signal != null ? { signal } : {}) }).catch(() => undefined)
    const links = (response?.Answer ?? [])
      .filter(a => a.type === RecordType.TXT)
      .map(a => ({ text: txtText(a.data as unknown), ttl: a.TTL }))
      .filter(a => a.text.startsWith('dnslink=/ipfs/') || a.text.startsWith('dnslink=/ipns/'))
      .sort((a, b) => a.text < b.text ? -1 : a.text > b.text ? 1 : 0)
    const first = links[0]
    if (first != null) return { value: first.text.slice('dnslink='.length), ttl: first.ttl }
  }
  throw new NotFoundError(`no DNSLink for ${domain}: no TXT record "dnslink=/ipfs/…" at _dnslink.${domain} or ${domain}`)
}

/** A TXT answer's text: the strings joined, without the quotes DNS-over-HTTPS JSON answers keep. */
function txtText (data: unknown): string {
  const parts = Array.isArray(data) ? data : [data]
  return parts.map(p => typeof p === 'string' ? p : Buffer.from(p as Uint8Array).toString()).join('').replace(/^"|"$/g, '').replace(/"\s*"/g, '')
}
