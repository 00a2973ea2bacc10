import test from 'ava'
import { startRpcNode, type RpcTestNode } from '../helpers/rpc.js'

let guarded: RpcTestNode

test.before(async () => {
  guarded = await startRpcNode(config => {
    config.API.Authorizations = {
      admin: { AuthSecret: 'bearer:right-token', AllowedPaths: ['/api/v0'] },
      reader: { AuthSecret: 'basic:reader:pa:ss', AllowedPaths: ['/api/v0/id', '/api/v0/cat'] },
      weird: { AuthSecret: 'digest:whatever', AllowedPaths: ['/api/v0'] }
    }
  })
})

test.after.always(async () => {
  await guarded?.stop()
})

async function status (authorization: string | undefined, path = 'id'): Promise<number> {
  const res = await guarded.post(path, [], authorization != null ? { headers: { authorization } } : {})
  if (res.status === 403) {
    const body = await res.json() as { Type: string, Message: string }
    if (body.Type !== 'error' || !/Access Denied/.test(body.Message)) throw new Error('403 without Kubo\'s error body')
  } else {
    await res.body?.cancel()
  }
  return res.status
}

test('with API.Authorizations set, a missing or wrong token is 403', async t => {
  t.is(await status(undefined), 403)
  t.is(await status('Bearer wrong-token'), 403)
  t.is(await status('bearer right-token'), 403)
  t.is(await status('Basic ' + Buffer.from('reader:wrong').toString('base64')), 403)
})

test('the right bearer token or basic credentials pass', async t => {
  t.is(await status('Bearer right-token'), 200)
  t.is(await status('Basic ' + Buffer.from('reader:pa:ss').toString('base64')), 200)
})

test('AllowedPaths limits what a secret may call', async t => {
  const reader = 'Basic ' + Buffer.from('reader:pa:ss').toString('base64')
  t.is(await status(reader, 'pin/ls'), 403)
  t.is(await status('Bearer right-token', 'pin/ls'), 200)
})

test('a secret of an unknown type never matches', async t => {
  t.is(await status('digest:whatever'), 403)
  t.is(await status('Bearer whatever'), 403)
})

test('refused requests never reach the router: an unknown endpoint without a token is 403', async t => {
  t.is(await status(undefined, 'no/such/endpoint'), 403)
  t.is(await status('Bearer right-token', 'no/such/endpoint'), 404)
})
