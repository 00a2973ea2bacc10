import test from 'ava'
import { runCli, tempRepo } from '../helpers/cli.js'
import { startRpcNode } from '../helpers/rpc.js'

const inline = 'bafkqaaa'

test('--timeout beyond Node\'s timer limit is a usage error, not an overflow into an instant timeout', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const result = await runCli(['--timeout', '600h', 'cat', inline], { repo })
  t.is(result.code, 2)
  t.is(result.stderr, 'Error: invalid --timeout "600h" (at most 596h)\n')
  const fine = await runCli(['--timeout', '596h', 'cat', inline], { repo })
  t.is(fine.code, 0, fine.stderr)
  t.is(fine.stderr, '')
})

test('RPC timeout= beyond the limit is a 400 naming it, and a config duration beyond it is refused', async t => {
  const node = await startRpcNode()
  t.teardown(async () => { await node.stop() })
  const res = await node.post('cat', [['arg', inline], ['timeout', '99999999h']])
  t.is(res.status, 400)
  const body = await res.json() as { Message: string, CairnCode: string }
  t.is(body.CairnCode, 'ERR_USAGE')
  t.is(body.Message, 'invalid timeout "99999999h" (at most 596h)')
  const set = await node.post('config', [['arg', 'Fetch.Timeout'], ['arg', '9999h']])
  t.is(set.status, 400)
  t.regex((await set.json() as { Message: string }).Message, /^config key Fetch\.Timeout: .*at most 596h/)
  t.is(node.node.config.Fetch.Timeout, '2m')
})
