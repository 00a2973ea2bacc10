import { UnsafePathError } from '../errors.js'

/**
 * Refuses a directory entry name that could write outside the output folder or is not
 * a single path component: empty, `.`, `..`, or containing `/`, `\` or NUL.
 */
export function assertSafeName (name: string, where: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new UnsafePathError(`${where}: unsafe entry name ${JSON.stringify(name)} refused`)
  }
}
