import test from 'ava'
import { randomBytes } from 'node:crypto'
import { CarBlockIterator } from '@ipld/car'
import { dagExport } from '../../node/commands/dag.js'
import { ls } from '../../node/commands/ls.js'
import { pinAdd, pinLs } from '../../node/commands/pin.js'
import { cat } from '../../node/commands/cat.js'
import { connectNodes, startNodes, stopNodes, type TestNode } from '../helpers/nodes.js'
import type { Command, CommandCall } from '../../node/commands/command.js'
import type { CID } from 'multiformats/cid'

async function drain (command: Command, node: TestNode, args: string[], options: CommandCall['options'] = {}): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const v of command.run({ node: node.node, signal: AbortSignal.timeout(60_000) }, { args, options }) as AsyncIterable<unknown>) out.push(v)
  return out
}

test('pin add, ls and dag export fetch content that only another node holds', async t => {
  const nodes = await startNodes(3)
  t.teardown(async () => { await stopNodes(nodes) })
  const [source, pinner, reader] = nodes as [TestNode, TestNode, TestNode]
  const a = randomBytes(1024 * 1024 + 500)
  const b = randomBytes(2000)
  let root: CID | undefined
  for await (const entry of source.node.fs.addAll([{ path: 'dir/a.bin', content: a }, { path: 'dir/b.bin', content: b }])) root = entry.cid
  const dir = (root as CID).toString()
  await connectNodes(pinner, source)
  await connectNodes(reader, source)

  // pin add walks the whole DAG from the network and keeps it
  t.deepEqual((await drain(pinAdd, pinner, [dir])).at(-1), { Pins: [dir] })
  const pins = await drain(pinLs, pinner, [], { type: 'recursive', stream: true }) as Array<{ Cid: string }>
  t.deepEqual(pins.map(p => p.Cid), [dir])

  // ls reads the directory, dag export the whole DAG as a CAR
  const entries = await drain(ls, reader, [dir]) as Array<{ Objects?: Array<{ Links: Array<{ Name: string }> }> }>
  t.true(JSON.stringify(entries).includes('a.bin') && JSON.stringify(entries).includes('b.bin'))
  const car = Buffer.concat(await drain(dagExport, reader, [dir]) as Uint8Array[])
  let blocks = 0
  for await (const _ of await CarBlockIterator.fromBytes(car)) blocks++
  t.is(blocks, 5, 'directory, a.bin (root + 2 leaves), b.bin')

  // once the source is gone, the pinned copy still serves
  await source.stop()
  const bytes = Buffer.concat(await drain(cat, pinner, [`${dir}/a.bin`]) as Uint8Array[])
  t.true(bytes.equals(a))
})
