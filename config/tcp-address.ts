import { ConfigError } from '../node/errors.js'

/** A TCP listen or dial address taken from a multiaddr such as `/ip4/127.0.0.1/tcp/5001`. */
export interface TcpAddress {
  /** IP address or DNS name, without brackets. */
  host: string
  /** 0 means "any free port" when listening. */
  port: number
  family: 'ip4' | 'ip6' | 'dns'
}

const pattern = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d{1,5})(?:\/http)?\/?$/

/**
 * Parses a TCP multiaddr (`/ip4/…/tcp/N`, `/ip6/…/tcp/N`, `/dns…/…/tcp/N`, optionally
 * ending in `/http` as Kubo's `api` file may). Anything else is an ERR_INVALID_CONFIG
 * naming the address.
 */
export function parseTcpMultiaddr (text: string): TcpAddress {
  const match = pattern.exec(text.trim())
  const port = Number(match?.[3])
  if (match == null || port > 65535) {
    throw new ConfigError(`invalid TCP multiaddr "${text}" (expected e.g. /ip4/127.0.0.1/tcp/5001)`)
  }
  const proto = match[1] as string
  return {
    host: match[2] as string,
    port,
    family: proto === 'ip4' ? 'ip4' : proto === 'ip6' ? 'ip6' : 'dns'
  }
}

/** The multiaddr of a bound TCP socket (`/ip4/127.0.0.1/tcp/5001`). */
export function formatTcpMultiaddr (host: string, port: number): string {
  return `/${host.includes(':') ? 'ip6' : 'ip4'}/${host}/tcp/${port}`
}

/** The `http://host:port` base URL of a TCP address (IPv6 hosts in brackets). */
export function httpUrlOf (address: TcpAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `http://${host}:${address.port}`
}
