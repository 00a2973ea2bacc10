/**
 * Turns an `API.Authorizations.*.AuthSecret` (Kubo's `type:value` format) into the
 * `Authorization` header value it stands for: `bearer:TOKEN` → `Bearer TOKEN`,
 * `basic:user:pass` → `Basic base64(user:pass)`, `basic:BASE64` → `Basic BASE64`, and a
 * value with no `:` is a bearer token. An unknown type gives undefined (never matches),
 * as in Kubo. The CLI uses the same format for `CAIRN_API_AUTH`.
 */
export function authorizationHeaderFor (secret: string): string | undefined {
  if (secret === '') return undefined
  const colon = secret.indexOf(':')
  if (colon === -1) return `Bearer ${secret}`
  const type = secret.slice(0, colon)
  const value = secret.slice(colon + 1)
  if (type === 'bearer') return `Bearer ${value}`
  if (type === 'basic') {
    return `Basic ${value.includes(':') ? Buffer.from(value).toString('base64') : value}`
  }
  return undefined
}
