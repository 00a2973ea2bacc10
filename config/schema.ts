import * as z from 'zod'
import { readDuration } from './duration.js'
import { parseTcpMultiaddr } from './tcp-address.js'
import { pinningApiAddress } from './profiles.js'

// A process parses its config once or twice: zod's JIT (a function generated per object
// schema at its first parse) costs more than it saves. First parse of a repo's config:
// 13–21 ms with it, 5–7 ms without. The pinning API's small bodies lose nothing either.
z.config({ jitless: true })

/** A Go-style duration such as `30s`, `2m`, `22h`, `1h30m`, at most 596h (Node's timer limit). */
export const duration = z.string().superRefine((text, ctx) => {
  const ms = readDuration(text)
  if (typeof ms === 'string') ctx.addIssue({ code: 'custom', message: `a duration such as 30s, 5m or 22h (${ms})` })
})

/** A TCP listen address such as `/ip4/127.0.0.1/tcp/5001` (what the API and gateway bind to). */
const tcpAddress = z.string().superRefine((text, ctx) => {
  try {
    parseTcpMultiaddr(text)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
  }
})

/** A remote pinning service, Kubo's `Pinning.RemoteServices.<name>` shape. */
const remoteService = z.strictObject({
  API: z.strictObject({
    Endpoint: z.url(),
    Key: z.string().min(1)
  })
})

const publicGateway = z.strictObject({
  Paths: z.array(z.string()).default(['/ipfs', '/ipns']),
  UseSubdomains: z.boolean().default(false)
})

/**
 * The one schema of `config.json`. Key names follow Kubo's wherever Kubo has one.
 * Every object is strict, so an unknown key is an error that names it.
 */
/** A size such as `10GB` or `64MiB` (parsed by parseByteSize in node/repo/stat.ts). */
const byteSize = z.string().regex(/^\d+(\.\d+)?\s*(B|kB|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/)

export const configSchema = z.strictObject({
  Identity: z.strictObject({
    PeerID: z.string().min(1),
    PrivKey: z.string().min(1)
  }),
  Addresses: z.strictObject({
    Swarm: z.array(z.string()),
    Announce: z.array(z.string()).default([]),
    NoAnnounce: z.array(z.string()).default([]),
    API: tcpAddress,
    Gateway: tcpAddress,
    /** The Pinning Service API listener; empty turns it off. */
    PinningAPI: z.union([z.literal(''), tcpAddress]).default(pinningApiAddress)
  }),
  Bootstrap: z.array(z.string()),
  Discovery: z.strictObject({
    MDNS: z.strictObject({ Enabled: z.boolean() })
  }),
  Routing: z.strictObject({
    Type: z.enum(['auto', 'dht', 'dhtclient', 'dhtserver', 'none']),
    /** Only `local`: keep loopback addresses in the DHT (LAN mode). */
    LoopbackAddresses: z.boolean().default(false),
    DelegatedRouters: z.array(z.string()).default([])
  }),
  Swarm: z.strictObject({
    DisableNatPortMap: z.boolean(),
    RelayClient: z.strictObject({ Enabled: z.boolean() }),
    ConnMgr: z.strictObject({
      LowWater: z.number().int().nonnegative().default(32),
      HighWater: z.number().int().nonnegative().default(96)
    }).default({ LowWater: 32, HighWater: 96 })
  }),
  AutoNAT: z.strictObject({
    ServiceMode: z.enum(['enabled', 'disabled'])
  }),
  Provide: z.strictObject({
    Enabled: z.boolean().default(true),
    Strategy: z.enum(['all', 'pinned', 'roots']).default('all'),
    Interval: duration.default('22h')
  }),
  HTTPRetrieval: z.strictObject({
    Enabled: z.boolean().default(false),
    /** Trustless gateways (base URLs) used as a second block source. */
    Gateways: z.array(z.url()).default([]),
    /** Fetch whole DAGs as CAR streams from the gateways connected Cairn peers offer. */
    Peers: z.boolean().default(true)
  }),
  Fetch: z.strictObject({
    /** How long a retrieval may wait for blocks before failing with ERR_TIMEOUT. */
    Timeout: duration.default('2m')
  }),
  Gateway: z.strictObject({
    PublicGateways: z.record(z.string(), publicGateway.nullable()).default({}),
    NoFetch: z.boolean().default(false),
    RetrievalTimeout: duration.default('30s'),
    /** A client must send its request headers within this (slowloris defence). */
    HeadersTimeout: duration.default('30s'),
    /** An idle keep-alive connection is closed after this. */
    IdleTimeout: duration.default('5s'),
    /** Open connections beyond this are answered 503, so the RPC API and the node keep their descriptors. */
    MaxConnections: z.number().int().positive().default(512)
  }),
  API: z.strictObject({
    /** As Gateway.HeadersTimeout, for the RPC API. */
    HeadersTimeout: duration.default('30s'),
    /** As Gateway.IdleTimeout, for the RPC API. */
    IdleTimeout: duration.default('5s'),
    /** Kubo's shape: `{ "name": { "AuthSecret": "bearer:TOKEN" } }`. Empty means no auth. */
    Authorizations: z.record(z.string(), z.strictObject({
      AuthSecret: z.string().min(1),
      AllowedPaths: z.array(z.string()).default(['/api/v0'])
    })).default({})
  }),
  Datastore: z.strictObject({
    StorageMax: byteSize.default('10GB'),
    GCPeriod: duration.default('1h'),
    /** Re-hash every block read from disk before it is used (Kubo's key; default on). */
    HashOnRead: z.boolean().default(true),
    /**
     * Put the blocks and pin of every add, `dag import` and `block put` on stable storage
     * (fsync) before its CIDs are reported (Kubo's flatfs `sync`; default on).
     */
    Sync: z.boolean().default(true),
    /** File blocks that reads hold whole (read ahead, or being handed on), all reads of the node together; beyond it raw leaves are read in pieces. */
    ReadAheadBudget: byteSize.default('16MiB')
  }),
  Pinning: z.strictObject({
    /** Remote pinning services for `pin remote`, by name. */
    RemoteServices: z.record(z.string(), remoteService).default({}),
    /** Pin requests the Pinning Service API fetches at once; the others wait in `queued`. */
    ServiceConcurrency: z.number().int().positive().default(4)
  }).prefault({}),
  Ipns: z.strictObject({
    /** IPNS-over-PubSub (gossipsub): publish each record on its topic, subscribe to names resolved. */
    UsePubsub: z.boolean().default(true),
    /** How often the republisher re-announces every key's latest record. */
    RepublishPeriod: duration.default('4h'),
    /** Default validity of a record made by `name publish`. */
    RecordLifetime: duration.default('48h')
  }).prefault({}),
  Datasets: z.strictObject({
    /** How often a followed dataset's name is resolved again (besides IPNS-over-PubSub updates). */
    CheckInterval: duration.default('5m')
  }).prefault({}),
  DNS: z.strictObject({
    /** DNS-over-HTTPS resolvers by domain suffix (`.` for every other name); empty means the system resolver. */
    Resolvers: z.record(z.string(), z.url()).default({})
  }).prefault({}),
  Import: z.strictObject({
    CidVersion: z.union([z.literal(0), z.literal(1)]).default(1),
    UnixFSRawLeaves: z.boolean().default(true),
    UnixFSChunker: z.string().default('size-1048576'),
    UnixFSFileMaxLinks: z.number().int().positive().default(1024),
    UnixFSDirectoryMaxLinks: z.number().int().nonnegative().default(0),
    UnixFSHAMTDirectoryMaxFanout: z.number().int().positive().default(256),
    UnixFSHAMTDirectorySizeThreshold: z.string().default('256KiB')
  })
})

/** A validated config. */
export type Config = z.infer<typeof configSchema>
/** What the schema accepts before defaults are filled in. */
export type ConfigInput = z.input<typeof configSchema>
