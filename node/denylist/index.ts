export { Denylist, openDenylist, type BlockVerdict, type DenylistOptions } from './denylist.js'
export { parseDenylist, multihashKey, defaultBlockedStatus, type DenyRule, type ParsedDenylist } from './parse.js'
