// A gateway alone in its own process, over an existing repo, running the BUILT code
// (dist/, as `npm test` builds first), for measurements that must not include the test
// runner or a TypeScript loader (memory). Prints `{"url": …, "pid": …}` once listening;
// SIGTERM stops it. Usage: node test/helpers/gateway-process.mjs <repo>
import '../../dist/node/polyfill.js'
import { startGateway } from '../../dist/gateway/server.js'
import { createNode } from '../../dist/node/node.js'
import { openRepo } from '../../dist/node/repo/repo.js'

const repo = process.argv[2]
if (repo == null) throw new Error('usage: gateway-process.mjs <repo>')
const node = await createNode(await openRepo(repo))
const gateway = await startGateway(node, '/ip4/127.0.0.1/tcp/0')
process.stdout.write(JSON.stringify({ url: gateway.url, pid: process.pid }) + '\n')
process.once('SIGTERM', () => {
  void gateway.close().then(async () => { await node.stop() }).then(() => process.exit(0))
})
