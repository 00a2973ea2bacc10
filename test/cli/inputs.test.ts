import test, { type ExecutionContext } from 'ava'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { localInputs } from '../../cli/inputs.js'
import { tempDir } from '../helpers/cli.js'
import type { InputEntry } from '../../node/commands/command.js'

const MiB = 1024 * 1024

async function entriesOf (path: string): Promise<Map<string, InputEntry>> {
  const entries = new Map<string, InputEntry>()
  for await (const entry of await localInputs([path], { recursive: true })) entries.set(entry.path, entry)
  return entries
}

/** The inputs of a folder `tree` with a.bin and b.bin of 3 MiB each, and `more` small files. */
async function bigFilesTree (t: ExecutionContext, more: Record<string, string> = {}): Promise<Map<string, InputEntry>> {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const root = join(dir.path, 'tree')
  await mkdir(root)
  await writeFile(join(root, 'a.bin'), Buffer.alloc(3 * MiB, 1))
  await writeFile(join(root, 'b.bin'), Buffer.alloc(3 * MiB, 2))
  for (const [name, text] of Object.entries(more)) await writeFile(join(root, name), text)
  return await entriesOf(root)
}

async function drain (iterator: AsyncIterator<Uint8Array>): Promise<number> {
  let bytes = 0
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) bytes += next.value.byteLength
  return bytes
}

const contentOf = (entries: Map<string, InputEntry>, path: string): AsyncIterator<Uint8Array> => {
  const content = entries.get(path)?.content
  if (content == null) throw new Error(`no content for ${path}`)
  return content[Symbol.asyncIterator]()
}

test('files over 1 MiB are read one after another, in the order their reads start; small ones at once', async t => {
  const entries = await bigFilesTree(t, { 'small.txt': 'small\n' })

  const b = contentOf(entries, 'tree/b.bin')
  const firstOfB = await b.next()
  t.is(firstOfB.done, false, 'the first big read to start has its turn at once')

  const a = contentOf(entries, 'tree/a.bin')
  let aStarted = false
  const firstOfA = a.next().then(result => { aStarted = true; return result })
  t.is(await drain(contentOf(entries, 'tree/small.txt')), 6, 'a small file is read while a big one holds the turn')
  await sleep(200)
  t.false(aStarted, 'the second big read waits for the first')

  t.is((firstOfB.value as Uint8Array).byteLength + await drain(b), 3 * MiB)
  const first = await firstOfA
  t.is((first.value as Uint8Array).byteLength + await drain(a), 3 * MiB, 'and gets its turn once the first has ended')
})

test('a big read left early hands the turn on', async t => {
  const entries = await bigFilesTree(t)

  const a = contentOf(entries, 'tree/a.bin')
  await a.next()
  await a.return?.()
  t.is(await drain(contentOf(entries, 'tree/b.bin')), 3 * MiB)
})

test('a file is opened only when its bytes are read: listing 300 small files holds no descriptors', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const root = join(dir.path, 'many')
  await mkdir(root)
  for (let i = 0; i < 300; i++) await writeFile(join(root, `f${i}`), `file ${i}\n`)
  const openFiles = async (): Promise<number> => (await readdir('/dev/fd')).length
  const before = await openFiles()
  const entries = await entriesOf(root)
  // a read stream opens its file on the next tick
  await sleep(100)
  t.is(entries.size, 301)
  t.true(await openFiles() - before < 10, `${await openFiles() - before} more descriptors open`)
  t.is(await drain(contentOf(entries, 'many/f7')), 'file 7\n'.length)
})
