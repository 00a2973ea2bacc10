import test from 'ava'
import { profileSection } from '../../config/profiles.js'
import { startNode } from '../helpers/nodes.js'

/** The mode kad-dht runs in on a started node. */
function dhtMode (node: Awaited<ReturnType<typeof startNode>>): string {
  return (node.libp2p.services as { dht: { getMode(): string } }).dht.getMode()
}

test('the server profile serves the DHT: Routing.Type dhtserver runs kad-dht in server mode, dhtclient in client mode', async t => {
  // the server profile itself listens on every interface and bootstraps to the public
  // network, so its routing section is run here on loopback
  t.is(profileSection('server').Routing.Type, 'dhtserver')
  t.is(profileSection('public').Routing.Type, 'auto')
  for (const [type, mode] of [['dhtserver', 'server'], ['dhtclient', 'client']] as const) {
    const node = await startNode({ configure: c => { c.Routing.Type = type; c.Routing.LoopbackAddresses = false } })
    t.teardown(node.stop)
    t.is(dhtMode(node), mode, type)
  }
})
