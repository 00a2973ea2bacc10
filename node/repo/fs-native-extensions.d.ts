/** The part of fs-native-extensions (holepunch, ships prebuilt binaries) that the repo lock uses. */
declare module 'fs-native-extensions' {
  /** Takes an exclusive (or with `shared`, a shared) lock on an open file without waiting; false when another holds it. */
  export function tryLock (fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean
  /** Releases a lock taken on `fd`. */
  export function unlock (fd: number, offset?: number, length?: number): void
}
