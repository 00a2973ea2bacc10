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

/**
 * Refuses a relative entry path (`dir/file`) with a component that {@link assertSafeName}
 * refuses, so `add` never makes a DAG that `get` would then refuse to write.
 */
export function assertSafePath (path: string, where: string): void {
  for (const name of path.split('/')) assertSafeName(name, where)
}
