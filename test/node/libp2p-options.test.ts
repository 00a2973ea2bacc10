import test from 'ava'
import { defaultConfig } from '../../config/config.js'
import { libp2pOptions } from '../../node/network/libp2p-options.js'
import { generateSwarmKey } from '../../node/network/swarm-key.js'
import { createIdentity, loadPrivateKey } from '../../node/repo/identity.js'
import type { ProfileName } from '../../config/profiles.js'

async function optionsFor (profile: ProfileName, change?: (c: ReturnType<typeof defaultConfig>) => void, swarmKey?: Uint8Array): Promise<Awaited<ReturnType<typeof libp2pOptions>>> {
  const config = defaultConfig(await createIdentity(), profile)
  change?.(config)
  return await libp2pOptions(config, { privateKey: loadPrivateKey(config.Identity), swarmKey, agentVersion: 'cairn/test' })
}

// these build the libp2p options only: no node is started, nothing is dialled

test('local profile: loopback listen addresses, DHT, no discovery, no protector', async t => {
  const opts = await optionsFor('local')
  t.deepEqual(opts.addresses?.listen, ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'])
  // pubsub carries IPNS updates (Ipns.UsePubsub, on by default)
  t.deepEqual(Object.keys(opts.services ?? {}).sort(), ['dht', 'identify', 'ping', 'pubsub'])
  t.is(opts.peerDiscovery?.length, 0)
  t.is(opts.transports?.length, 2)
  t.is(opts.connectionProtector, undefined)
})

test('public profile: every interface, mDNS discovery; Routing.Type none drops the DHT', async t => {
  const opts = await optionsFor('public')
  t.true(opts.addresses?.listen?.includes('/ip4/0.0.0.0/tcp/4001'))
  t.is(opts.peerDiscovery?.length, 1, 'mDNS')
  const none = await optionsFor('public', c => { c.Routing.Type = 'none'; c.Discovery.MDNS.Enabled = false; c.Ipns.UsePubsub = false })
  t.deepEqual(Object.keys(none.services ?? {}).sort(), ['identify', 'ping'])
  t.is(none.peerDiscovery?.length, 0)
})

test('a swarm key adds the pnet connection protector', async t => {
  const opts = await optionsFor('local', undefined, new TextEncoder().encode(generateSwarmKey().trim()))
  t.is(typeof opts.connectionProtector, 'function')
})
