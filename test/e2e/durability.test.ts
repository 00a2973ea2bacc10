import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CarWriter } from '@ipld/car/writer'
import { CID, varint } from 'multiformats'
import { sha256 } from 'multiformats/hashes/sha2'
import { fixturePath } from '../helpers/fixtures.js'
import { cliPath, cliText, tempRepo } from '../helpers/cli.js'

const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')
const root = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const MiB = 1024 * 1024

/** Block files (and temp files) under `<repo>/blocks`. */
async function countBlockFiles (repo: string): Promise<number> {
  let n = 0
  for (const dir of await readdir(join(repo, 'blocks')).catch(() => [])) {
    n += (await readdir(join(repo, 'blocks', dir)).catch(() => [])).length
  }
  return n
}

/** 1 MiB of data that differs from every other MiB (so no block dedups). */
function megabyte (index: number): Buffer {
  const chunk = Buffer.alloc(MiB)
  for (let i = 0; i < MiB; i += 4096) chunk.writeUInt32LE((index * 256 + i / 4096) >>> 0, i)
  return chunk
}

interface Stat { NumObjects: number }

test('an add killed with SIGKILL midway leaves a repo that opens, verifies, has no pin for it, and GC cleans up', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  // something pinned before the crash, which must survive it and the GC after it
  await cliText(['dag', 'import', dirCar], { repo })
  const before = await countBlockFiles(repo)

  const child = spawn(process.execPath, [cliPath, 'add', '--progress=false'], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL') })
  child.stdin.on('error', () => {}) // EPIPE once it is killed
  const closed = once(child, 'close')

  // stream up to 200 MiB; kill once tens of MiB are in and blocks are on disk
  let sent = 0
  for (let i = 0; i < 200; i++) {
    if (!child.stdin.write(megabyte(i))) await once(child.stdin, 'drain')
    sent += MiB
    if (sent >= 48 * MiB && await countBlockFiles(repo) > before + 8) break
  }
  t.true(sent < 200 * MiB, 'killed before the end of the stream')
  await sleep(100)
  child.kill('SIGKILL')
  const [, signal] = await closed as [number | null, NodeJS.Signals | null]
  t.is(signal, 'SIGKILL')

  const leftovers = await countBlockFiles(repo)
  t.true(leftovers > before, `the killed add wrote blocks (${leftovers - before})`)
  t.is((await readFile(join(repo, 'repo.lock'), 'utf8')).trim(), String(child.pid), 'the dead process\'s lock is still there')

  // the stale lock is taken over; the repo is sound; the unfinished DAG is not pinned
  t.is(await cliText(['repo', 'verify'], { repo }), 'verify complete, all blocks validated.\n')
  t.is(await cliText(['pin', 'ls', '--type', 'recursive'], { repo }), `${root} recursive\n`)
  t.is(await cliText(['pin', 'ls', '--type', 'direct'], { repo }), '')

  const gc = (await cliText(['repo', 'gc'], { repo })).trim().split('\n')
  t.true(gc.length > 1)
  t.regex(gc.at(-1) ?? '', /^freed \d+ bytes \(\d+ blocks\)$/)
  const stat = JSON.parse(await cliText(['repo', 'stat', '--json'], { repo })) as Stat
  t.is(stat.NumObjects, 9, 'only the blocks pinned before the crash are left')
  t.is(await countBlockFiles(repo), before, 'no temp file is left either')
  t.is(await cliText(['pin', 'verify', '--verbose'], { repo }), `${root} ok\n`)
})

/** The bytes of a CARv1 header naming `root`. */
async function carHeader (root: CID): Promise<Buffer> {
  const { writer, out } = CarWriter.create([root])
  const chunks: Uint8Array[] = []
  const reading = (async () => { for await (const chunk of out) chunks.push(chunk) })()
  await writer.close()
  await reading
  return Buffer.concat(chunks)
}

/** One CARv1 section: varint length, CID, block bytes. */
function carSection (cid: CID, bytes: Uint8Array): Buffer {
  const length = cid.bytes.length + bytes.length
  const prefix = new Uint8Array(varint.encodingLength(length))
  varint.encodeTo(length, prefix)
  return Buffer.concat([prefix, cid.bytes, bytes])
}

test('a dag import killed with SIGKILL midway pins nothing, and GC takes the blocks it wrote', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const child = spawn(process.execPath, [cliPath, 'dag', 'import'], { env: { ...process.env, CAIRN_PATH: repo }, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL') })
  child.stdin.on('error', () => {})
  const closed = once(child, 'close')

  // a CAR of 1 MiB raw blocks, made as it is sent; its root is the first block
  const blockCid = async (bytes: Uint8Array): Promise<CID> => CID.createV1(0x55, await sha256.digest(bytes))
  const first = megabyte(0)
  const root = await blockCid(first)
  child.stdin.write(await carHeader(root))
  for (let i = 0; i < 200; i++) {
    const bytes = i === 0 ? first : megabyte(i)
    if (!child.stdin.write(carSection(await blockCid(bytes), bytes))) await once(child.stdin, 'drain')
    if (i > 24 && await countBlockFiles(repo) > 8) break
  }
  child.kill('SIGKILL')
  await closed

  t.true(await countBlockFiles(repo) > 8)
  t.is(await cliText(['repo', 'verify'], { repo }), 'verify complete, all blocks validated.\n')
  t.is(await cliText(['pin', 'ls'], { repo }), '')
  await cliText(['repo', 'gc'], { repo })
  t.is((JSON.parse(await cliText(['repo', 'stat', '--json'], { repo })) as Stat).NumObjects, 0)
  t.is(await countBlockFiles(repo), 0)
})
