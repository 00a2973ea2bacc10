import test from 'ava'
import { PeerGateways, directHost, offerGateway, offersGatewayTo } from '../../node/network/gateway-offer.js'
import { connectNodes, startNodes, stopNodes, waitFor, type TestNode } from '../helpers/nodes.js'

test('a gateway bound to loopback is offered only to peers on loopback; one bound elsewhere to anyone', t => {
  t.true(offersGatewayTo('127.0.0.1', '127.0.0.1'))
  t.true(offersGatewayTo('::1', '127.0.0.1'))
  t.false(offersGatewayTo('127.0.0.1', '192.0.2.7'), 'a peer elsewhere could not reach it')
  t.false(offersGatewayTo('127.0.0.1', undefined))
  t.true(offersGatewayTo('0.0.0.0', '192.0.2.7'))
  t.true(offersGatewayTo('192.0.2.1', '192.0.2.7'))
})

test('a gateway is looked for only at the address a direct connection runs to', t => {
  t.is(directHost('/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA'), '127.0.0.1')
  t.is(directHost('/ip6/::1/tcp/4001/ws'), '::1')
  t.is(directHost('/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWPeer'), undefined, 'the relay\'s address is not the peer\'s')
  t.is(directHost('/dns4/example.org/tcp/443/wss'), undefined)
})

test('a connected peer learns the gateway another offers, addressed at the host it is connected to', async t => {
  const nodes = await startNodes(3)
  t.teardown(async () => { await stopNodes(nodes) })
  const [offering, silent, asking] = nodes as [TestNode, TestNode, TestNode]
  // the port is all that is offered: the asker puts it on the host of its connection
  await offerGateway(offering.libp2p, '/ip4/0.0.0.0/tcp/4321')
  const gateways = new PeerGateways(asking.libp2p)
  await connectNodes(asking, offering)
  await connectNodes(asking, silent)
  await waitFor(() => gateways.offering().length === 1)
  t.deepEqual(gateways.offering().map(String), [offering.peerId], 'identify tells who offers one')
  t.is(await gateways.gatewayOf(offering.libp2p.peerId, AbortSignal.abort()), undefined, 'a read that gave up gets nothing')
  t.is(await gateways.gatewayOf(offering.libp2p.peerId), 'http://127.0.0.1:4321', 'the peer was asked all the same, once for everyone')
  t.is(await gateways.gatewayOf(silent.libp2p.peerId), undefined, 'a peer without the protocol offers nothing')

  await asking.libp2p.hangUp(offering.libp2p.peerId)
  await waitFor(() => gateways.offering().length === 0)
  t.pass('a peer that went away is not offered')
})
