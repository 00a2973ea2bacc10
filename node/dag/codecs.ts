/**
 * The multicodec codes Cairn needs by number, defined once: block codecs (the CID's
 * `code`) and multihash functions (the CID's `multihash.code`).
 */

/** Raw bytes, no links (file leaves under `--raw-leaves`). */
export const RAW = 0x55
/** dag-pb: UnixFS files and directories. */
export const DAG_PB = 0x70
/** dag-cbor. */
export const DAG_CBOR = 0x71
/** Plain CBOR (no links). */
export const CBOR = 0x51
/** dag-json. */
export const DAG_JSON = 0x0129
/** Plain JSON (no links). */
export const JSON_CODEC = 0x0200

/** The identity multihash: the block's bytes are the digest itself. */
export const IDENTITY = 0x00
/** sha2-256, the default multihash. */
export const SHA2_256 = 0x12
/** sha2-512. */
export const SHA2_512 = 0x13
/** murmur3-x64-64, the only hash UnixFS HAMT directories use. */
export const MURMUR3_X64_64 = 0x22
