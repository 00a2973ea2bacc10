import '../../node/polyfill.js'
import test from 'ava'
import { createLibp2p, type Libp2p } from 'libp2p'
import { defaultConfig } from '../../config/config.js'
import { libp2pOptions } from '../../node/network/libp2p-options.js'
import { createIdentity, loadPrivateKey } from '../../node/repo/identity.js'

const protocol = '/cairn-test/late-reader/1.0.0'
const MiB = 1024 * 1024

async function startNode (): Promise<Libp2p> {
  const config = defaultConfig(await createIdentity(), 'local')
  config.Routing.Type = 'none'
  config.Ipns.UsePubsub = false
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  return await createLibp2p(await libp2pOptions(config, { privateKey: loadPrivateKey(config.Identity), agentVersion: 'cairn/test' }))
}

// Bitswap reads an incoming stream only after it has closed its own end; a node busy with
// other traffic let more than 4 MiB (one block message) arrive before that, and yamux's
// default read buffer (4 MiB) reset the stream: the blocks in it were lost for ~10 s.
test.serial('a stream whose reader starts late still receives 6 MiB sent at once', async t => {
  const [a, b] = await Promise.all([startNode(), startNode()])
  t.teardown(async () => { await Promise.all([a.stop(), b.stop()]) })
  // the reader attaches after 500 ms, as bitswap's does after its own close, and counts
  // what was buffered meanwhile and what follows; a reset stream rejects
  const received = new Promise<number>((resolve, reject) => {
    void b.handle(protocol, async stream => {
      await new Promise(resolve => setTimeout(resolve, 500))
      let bytes = 0
      stream.addEventListener('message', evt => {
        bytes += evt.data.byteLength
        if (bytes >= 6 * MiB) resolve(bytes)
      })
      stream.addEventListener('close', evt => { reject(evt.error ?? new Error(`stream closed after ${bytes} bytes`)) })
      if (stream.status !== 'open' && stream.readBufferLength === 0) reject(new Error(`stream ${stream.status} before the reader started`))
    })
  })
  const stream = await a.dialProtocol(b.getMultiaddrs(), protocol)
  const chunk = new Uint8Array(64 * 1024).fill(7)
  for (let sent = 0; sent < 6 * MiB; sent += chunk.byteLength) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
  t.is(await received, 6 * MiB)
})
