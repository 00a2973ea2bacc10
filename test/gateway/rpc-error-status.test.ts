import test from 'ava'
import * as errors from '../../node/errors.js'
import { KuboErrorType, rpcErrorTable } from '../../gateway/rpc/error-status.js'
import { startRpcNode, type RpcTestNode } from '../helpers/rpc.js'

let shared: RpcTestNode

test.before(async () => {
  shared = await startRpcNode()
})

test.after.always(async () => {
  await shared?.stop()
})

test('every error code in node/errors.ts has its class and a deliberate RPC status in Kubo\'s pairs', t => {
  const classCodes = Object.values(errors)
    .map(value => (value as { code?: unknown }).code)
    .filter((code): code is string => typeof code === 'string')
  // the list the tables are typed by is exactly the codes the classes carry
  t.deepEqual([...new Set(classCodes)].sort(), [...errors.errorCodes].sort())
  for (const code of errors.errorCodes) {
    const { status, type } = rpcErrorTable[code]
    // Kubo's pairs: 400 with Code 1, 403 with Code 4, 500 with Code 0
    const expected = status === 400 ? KuboErrorType.client : status === 403 ? KuboErrorType.forbidden : KuboErrorType.normal
    t.is(type, expected, code)
    t.true([400, 403, 500].includes(status), code)
  }
})

test('swarm/connect with a malformed multiaddr is a 400 client error (Kubo\'s Code 1) that names it', async t => {
  for (const bad of ['not-a-multiaddr', '/ip4/999.1.1.1/tcp/4001', '/ip4/127.0.0.1/tcp/notaport']) {
    const res = await shared.post('swarm/connect', [['arg', bad]])
    t.is(res.status, 400, bad)
    const body = await res.json() as { Message: string, Code: number, Type: string, CairnCode: string }
    t.is(body.Code, 1)
    t.is(body.Type, 'error')
    t.is(body.CairnCode, 'ERR_INVALID_MULTIADDR')
    t.true(body.Message.includes(bad), body.Message)
  }
})

test('a network command on a node without the network is Kubo\'s 500 with Code 0 and ERR_OFFLINE', async t => {
  const res = await shared.post('swarm/peers')
  t.is(res.status, 500)
  const body = await res.json() as { Message: string, Code: number, CairnCode: string }
  t.is(body.Code, 0)
  t.is(body.CairnCode, 'ERR_OFFLINE')
  t.regex(body.Message, /needs the network/)
})
