import { UsageError } from '../errors.js'
import { requireNetwork } from '../network/require-network.js'
import { valuesCommand } from './command.js'
import type { BitswapStats, PeerLedger } from '../network/bitswap-ledger.js'

/** `stats provide`: Kubo's key names where Kubo has one, plus the queue and sweep schedule. */
export interface ProvideStatsResult {
  Enabled: boolean
  Strategy: string
  /** Provide.Interval in ms. */
  Interval: number
  TotalProvides: number
  FailedProvides: number
  Queued: number
  /** Mean time of one provide, ms. */
  AvgProvideDuration: number
  LastProvide: string | null
  Reprovides: number
  LastReprovide: string | null
  LastReprovideBatchSize: number
  /** ms */
  LastReprovideDuration: number
  NextReprovide: string | null
}

export const statsProvide = valuesCommand<ProvideStatsResult>({
  path: ['stats', 'provide'],
  description: 'Show how many CIDs this node announced, and when the last and next reprovide sweeps run',
  args: [],
  options: [],
  async * run ({ node }) {
    const s = requireNetwork(node, 'stats provide').provideStats()
    yield {
      Enabled: s.enabled,
      Strategy: s.strategy,
      Interval: s.interval,
      TotalProvides: s.provided,
      FailedProvides: s.failed,
      Queued: s.queued,
      AvgProvideDuration: s.avgProvideMs,
      LastProvide: s.lastProvidedAt?.toISOString() ?? null,
      Reprovides: s.sweeps,
      LastReprovide: s.lastSweepAt?.toISOString() ?? null,
      LastReprovideBatchSize: s.lastSweepCids,
      LastReprovideDuration: s.lastSweepMs,
      NextReprovide: s.nextSweepAt?.toISOString() ?? null
    }
  },
  text (v) {
    return [
      `Enabled:                ${String(v.Enabled)}`,
      `Strategy:               ${v.Strategy}`,
      `Interval:               ${formatMs(v.Interval)}`,
      `TotalProvides:          ${v.TotalProvides}`,
      `FailedProvides:         ${v.FailedProvides}`,
      `Queued:                 ${v.Queued}`,
      `AvgProvideDuration:     ${formatMs(v.AvgProvideDuration)}`,
      `LastProvide:            ${v.LastProvide ?? 'never'}`,
      `LastReprovide:          ${v.LastReprovide ?? 'never'}`,
      `LastReprovideBatchSize: ${v.LastReprovideBatchSize}`,
      `LastReprovideDuration:  ${formatMs(v.LastReprovideDuration)}`,
      `NextReprovide:          ${v.NextReprovide ?? 'not scheduled'}`
    ].join('\n')
  }
})

export const statsBitswap = valuesCommand<BitswapStats>({
  path: ['stats', 'bitswap'],
  description: 'Show bitswap counters: blocks and bytes exchanged, in total and per peer',
  args: [],
  options: [
    { name: 'verbose', short: 'v', type: 'boolean', description: 'list every peer\'s ledger' }
  ],
  async * run ({ node }) {
    yield requireNetwork(node, 'stats bitswap').bitswapStats()
  },
  text (v, options) {
    const lines = [
      'bitswap status',
      `\tblocks received: ${v.BlocksReceived}`,
      `\tblocks sent: ${v.BlocksSent}`,
      `\tdata received: ${v.DataReceived}`,
      `\tdata sent: ${v.DataSent}`,
      `\tdup blocks received: ${v.DupBlksReceived}`,
      `\tdup data received: ${v.DupDataReceived}`,
      `\twantlist [${v.Wantlist.length} keys]`,
      ...v.Wantlist.map(w => `\t\t${w['/']}`),
      `\tpartners [${v.Peers.length}]`
    ]
    if (options.verbose === true) {
      lines.push(...v.Peers.map(p => `\t\t${p}`))
      lines.push(`\tledgers [${v.Ledgers.length}]`, ...v.Ledgers.map(formatLedger))
    }
    return lines.join('\n')
  }
})

function formatLedger (l: PeerLedger): string {
  return `\t\t${l.Peer} received ${l.BlocksReceived} blocks (${l.DataReceived} B), sent ${l.BlocksSent} blocks (${l.DataSent} B)`
}

/** 1500 → `1.5s`, 90000000 → `25h0m0s`-style short text. */
export function formatMs (ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const s = ms / 1000
  if (s < 60) return `${Number(s.toFixed(3))}s`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = Math.round(s % 60)
  return `${h > 0 ? `${h}h` : ''}${m}m${rest}s`
}

/** Kubo's `bitswap stat`: the same as `stats bitswap`. */
export const bitswapStat = valuesCommand<BitswapStats>({ ...statsBitswap, path: ['bitswap', 'stat'] })

/** Kubo's `bitswap ledger <peer>` answer. */
export interface LedgerResult {
  Peer: string
  Value: number
  Sent: number
  Recv: number
  Exchanged: number
}

export const bitswapLedger = valuesCommand<LedgerResult>({
  path: ['bitswap', 'ledger'],
  description: 'Show what this node exchanged with one peer over bitswap',
  args: [{ name: 'peer', description: 'the peer ID', required: true }],
  options: [],
  async * run ({ node }, { args }) {
    const network = requireNetwork(node, 'bitswap ledger')
    const { peerIdFromString } = await import('@libp2p/peer-id')
    let peer: string
    try {
      peer = peerIdFromString(args[0] as string).toString()
    } catch (err) {
      throw new UsageError(`invalid peer ID "${args[0] as string}"`, { cause: err })
    }
    const l = network.ledger.peer(peer)
    yield {
      Peer: peer,
      Value: l.DataReceived > 0 ? l.DataSent / l.DataReceived : 0,
      Sent: l.DataSent,
      Recv: l.DataReceived,
      Exchanged: l.BlocksSent + l.BlocksReceived
    }
  },
  text (v) {
    return [
      `Ledger for ${v.Peer}`,
      `Debt ratio:\t${v.Value.toFixed(6)}`,
      `Exchanges:\t${v.Exchanged}`,
      `Bytes sent:\t${v.Sent}`,
      `Bytes received:\t${v.Recv}`
    ].join('\n')
  }
})
