import { timingSafeEqual } from 'node:crypto'
import { authorizationHeaderFor } from '../../config/auth-secret.js'
import { ForbiddenError } from '../../node/errors.js'
import type { Config } from '../../config/config.js'

interface Grant { header: Buffer, allowedPaths: string[] }

/** Kubo's refusal message, so Kubo tooling shows the same hint. */
export const accessDenied = 'Kubo RPC Access Denied: Please provide a valid authorization token as defined in the API.Authorizations configuration.'

/**
 * The RPC API's access check, from `API.Authorizations` (Kubo's shape). With no
 * authorizations every request passes; otherwise the request's `Authorization` header
 * must equal one secret's header (`Bearer TOKEN` or `Basic …`) and the path must start
 * with one of that secret's `AllowedPaths`. Returns the error to answer with, if any.
 */
export function accessCheck (authorizations: Config['API']['Authorizations']): (header: string | undefined, path: string) => ForbiddenError | undefined {
  const grants: Grant[] = []
  for (const scope of Object.values(authorizations)) {
    const header = authorizationHeaderFor(scope.AuthSecret)
    if (header != null) grants.push({ header: Buffer.from(header), allowedPaths: scope.AllowedPaths })
  }
  const open = Object.keys(authorizations).length === 0
  return (header, path) => {
    if (open) return undefined
    const given = Buffer.from(header ?? '')
    const grant = grants.find(g => g.header.length === given.length && timingSafeEqual(g.header, given))
    if (grant != null && (path === '/api/v0/version' || grant.allowedPaths.some(prefix => path.startsWith(prefix)))) {
      return undefined
    }
    return new ForbiddenError(accessDenied)
  }
}
