import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRpcServer } from '../../gateway/rpc/server.js'
import { connectNodes, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'

test('through the daemon\'s RPC API, cat, pin/add and dag/export of a denylisted CID fail with ERR_BLOCKED and fetch nothing', async t => {
  const nodes = await startNodes(2, { configure: c => { c.Fetch.Timeout = '30s' } })
  t.teardown(async () => { await stopNodes(nodes) })
  const [holder, daemon] = nodes as [TestNode, TestNode]
  const cid = await holder.node.fs.addBytes(randomBytes(300_000))
  await connectNodes(daemon, holder)
  await mkdir(join(daemon.repo, 'denylists'), { recursive: true })
  await writeFile(join(daemon.repo, 'denylists', 'ops.deny'), `/ipfs/${cid}\n`)
  const server = await startRpcServer(daemon.node, '/ip4/127.0.0.1/tcp/0')
  t.teardown(server.close)
  for (const path of ['cat', 'pin/add', 'dag/export']) {
    const res = await fetch(`${server.url}/api/v0/${path}?arg=${cid.toString()}`, { method: 'POST', signal: AbortSignal.timeout(20_000) })
    const text = await res.text()
    // an error before the first byte is Kubo's JSON error; after it, the X-Stream-Error trailer
    const code = res.status !== 200 ? (JSON.parse(text) as { CairnCode?: string }).CairnCode : res.headers.get('x-stream-error-code')
    t.is(code, 'ERR_BLOCKED', `${path}: ${res.status} ${text.slice(0, 200)}`)
  }
  t.false(await daemon.node.repo.blockstore.has(cid))
  t.is(daemon.node.network?.ledger.peer(holder.peerId).BlocksReceived, 0)
})
