/** A file or directory handed to a command (from the local disk, stdin, or a multipart upload). */
export interface InputEntry {
  /** Relative path with `/` separators, e.g. `dir/sub/file.txt`. */
  path: string
  /** Absent for a directory. */
  content?: AsyncIterable<Uint8Array>
  /**
   * For a file on the local disk (stdin redirected from one too), another way to its bytes (`content` is then not read):
   * in chunks of `chunkSize`, each read into a frame of its own (`readInFrames` in leaf-frames.ts).
   */
  readChunks?: (chunkSize: number) => AsyncIterable<Uint8Array>
  /** Set for a symlink (which has no content): where it points. */
  target?: string
  mode?: number
  mtime?: Date
}

/** A file or directory a command gives back as a tree (`get`). */
export interface TreeEntry {
  /** Relative path with `/` separators; '' is the root itself. */
  path: string
  type: 'file' | 'directory' | 'symlink'
  content?: AsyncIterable<Uint8Array>
  /** Symlink target. */
  target?: string
  mode?: number
  mtime?: Date
  size?: bigint
}
