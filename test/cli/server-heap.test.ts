import test from 'ava'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { serverHeapFlags } from '../../cli/server-heap.js'

test('a server fixes V8\'s heap growth at x2 per full collection', t => {
  t.deepEqual(serverHeapFlags([]), ['--heap-growing-percent=100'])
  t.deepEqual(serverHeapFlags(['--enable-source-maps']), ['--heap-growing-percent=100'])
})

test('a --heap-growing-percent given to node wins over the server\'s', t => {
  t.deepEqual(serverHeapFlags(['--heap-growing-percent=300']), [])
  t.deepEqual(serverHeapFlags(['--max-old-space-size=512', '--heap-growing-percent', '50']), [])
})

// V8 ignores a flag it does not know without a word: this node's V8 must list it
test('this node\'s V8 has the flag the server sets', async t => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--v8-options'], { maxBuffer: 8 << 20 })
  for (const flag of serverHeapFlags([])) t.true(stdout.includes(`${flag.split('=')[0] as string} `), flag)
})
