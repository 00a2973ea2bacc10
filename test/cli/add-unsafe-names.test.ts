import test from 'ava'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { startRpcNode } from '../helpers/rpc.js'

test('add --stdin-name with a name get would refuse fails with a clear error and adds nothing', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const objects = async (): Promise<string | undefined> => /NumObjects: +(\d+)/.exec(await cliText(['repo', 'stat'], { repo }))?.[1]
  t.is(await objects(), '0')
  for (const name of ['../../x', 'a/../../b', '..']) {
    const result = await runCli(['add', '-', '--stdin-name', name, '-w'], { repo, input: 'payload\n' })
    t.is(result.code, 1, name)
    t.regex(result.stderr, /^Error: add ".*": unsafe entry name "\.\." refused\n$/, name)
    t.is(result.stdout.length, 0, name)
  }
  t.is(await cliText(['pin', 'ls'], { repo }), '')
  t.is(await objects(), '0', 'no block was written')
})

/** A multipart body whose single file part has exactly this filename (no encoding added). */
function rawMultipart (filename: string): { body: Buffer, type: string } {
  const boundary = 'unsafe-boundary-42'
  const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    `Content-Type: application/octet-stream\r\n\r\npayload\r\n--${boundary}--\r\n`)
  return { body, type: `multipart/form-data; boundary=${boundary}` }
}

test('RPC add refuses multipart filenames that escape (../../etc/x, %2e%2e%2fx, a%00b) with a 400, adding nothing', async t => {
  const node = await startRpcNode()
  t.teardown(async () => { await node.stop() })
  const stat = async (): Promise<unknown> => ((await (await node.post('repo/stat')).json()) as { NumObjects: number }).NumObjects
  const before = await stat()
  for (const [filename, bad] of [['../../etc/x', '..'], ['%2e%2e%2fx', '..'], ['a%00b', 'a\u0000b'], ['dir%2f..%2f..%2fx', '..']] as const) {
    const { body, type } = rawMultipart(filename)
    const res = await node.post('add', [['wrap-with-directory', 'true']], { body, headers: { 'content-type': type } })
    const text = await res.text()
    t.is(res.status, 400, `${filename}: ${text}`)
    const error = JSON.parse(text) as unknown
    t.is((error as { CairnCode: string }).CairnCode, 'ERR_UNSAFE_PATH', filename)
    t.true((error as { Message: string }).Message.endsWith(`unsafe entry name ${JSON.stringify(bad)} refused`), filename)
  }
  t.deepEqual(await stat(), before)
  t.is(await (await node.post('pin/ls')).text(), '{"Keys":{}}\n')
})
