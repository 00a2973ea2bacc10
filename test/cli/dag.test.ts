import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { fixturePath } from '../helpers/fixtures.js'
import { parseCar } from '../helpers/car.js'
import { carBytes } from '../helpers/hostile-dags.js'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'

const run = promisify(execFile)
const ipfsCar = new URL('../../node_modules/.bin/ipfs-car', import.meta.url).pathname

const dirWithFiles = fixturePath('path_gateway_unixfs/dir-with-files.car')
const dirWithFilesRoot = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const missingBlock = fixturePath('trustless_gateway_car/file-3k-and-3-blocks-missing-block.car')

/** A CAR file of the given blocks, written with @ipld/car's writer. */
async function writeCar (path: string, roots: CID[], blocks: Array<{ cid: CID, bytes: Uint8Array }>): Promise<void> {
  await writeFile(path, await carBytes(roots, blocks))
}

async function pinLines (repo: string): Promise<string[]> {
  return (await cliText(['pin', 'ls', '--type', 'recursive'], { repo })).split('\n').filter(l => l !== '')
}

test('dag import pins the root of a conformance CAR and prints Kubo\'s lines', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const out = await cliText(['dag', 'import', '--stats', dirWithFiles], { repo })
  t.is(out, `Pinned root\t${dirWithFilesRoot}\tsuccess\nImported 9 blocks (1541 bytes)\n`)
  t.deepEqual(await pinLines(repo), [`${dirWithFilesRoot} recursive`])
  const json = (await cliText(['dag', 'import', '--json', '--stats', dirWithFiles], { repo })).trim().split('\n').map(l => JSON.parse(l) as unknown)
  t.deepEqual(json, [
    { Root: { Cid: { '/': dirWithFilesRoot }, PinErrorMsg: '' } },
    { Stats: { BlockCount: 9, BlockBytesCount: 1541 } }
  ])
})

test('dag import --pin-roots=false takes a CAR with a missing block and pins nothing', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  t.is(await cliText(['dag', 'import', '--pin-roots=false', missingBlock], { repo }), '')
  t.deepEqual(await pinLines(repo), [])
  t.regex(await cliText(['repo', 'stat'], { repo }), /NumObjects: 3\n/)
})

test('dag import of a CAR whose DAG is incomplete fails to pin, offline, and leaves no pin', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const result = await runCli(['dag', 'import', missingBlock], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: pinning root QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk FAILED: block not found locally and the node is offline .*\n$/)
  t.deepEqual(await pinLines(repo), [])
})

test('dag import of a directory says it is one, without add\'s -r hint (dag import has no -r)', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const result = await runCli(['dag', 'import', dir.path], { repo })
  t.is(result.code, 2)
  t.is(result.stderr, `Error: ${dir.path} is a directory\n`)
  t.deepEqual(await pinLines(repo), [])
})

test('dag import reads a CAR from stdin', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const out = await cliText(['dag', 'import'], { repo, input: await readFile(dirWithFiles) })
  t.is(out, `Pinned root\t${dirWithFilesRoot}\tsuccess\n`)
})

test('a truncated, garbled or tampered CAR is ERR_INVALID_CAR with one line, exit 1 and no pin', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const car = await readFile(dirWithFiles)
  const cases: Array<[string, Buffer, RegExp]> = [
    ['header-cut.car', car.subarray(0, 20), /bad header/],
    ['garbage.car', Buffer.from('this is not a CAR file at all, not even close'), /bad header/],
    ['empty.car', Buffer.alloc(0), /bad header/],
    ['mid-block.car', car.subarray(0, car.length - 40), /truncated or corrupt after \d+ blocks/],
    ['half.car', car.subarray(0, Math.floor(car.length / 2)), /truncated or corrupt after \d+ blocks/]
  ]
  const tampered = Buffer.from(car)
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff
  cases.push(['tampered.car', tampered, /bytes do not hash to/])
  for (const [name, bytes, message] of cases) {
    const path = join(dir.path, name)
    await writeFile(path, bytes)
    const result = await runCli(['dag', 'import', path], { repo })
    t.is(result.code, 1, name)
    t.regex(result.stderr, /^Error: invalid CAR .*\n$/, name)
    t.regex(result.stderr, message, name)
  }
  t.deepEqual(await pinLines(repo), [])
})

test('dag import refuses a block with an unknown hash function, and pins no root of any CAR given with it', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const bytes = new TextEncoder().encode('hello blake')
  const odd = CID.createV1(0x55, Digest.create(0xb220, new Uint8Array(32).fill(7)))
  const good = CID.createV1(0x55, await sha256.digest(bytes))
  const path = join(dir.path, 'odd.car')
  await writeCar(path, [good], [{ cid: good, bytes }, { cid: odd, bytes }])
  const result = await runCli(['dag', 'import', dirWithFiles, path], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: invalid CAR .*odd\.car: block bafk\S+ uses an unsupported hash function \(0xb220\)\n$/)
  // the first CAR was whole, but the roots are only pinned once every CAR read well
  t.deepEqual(await pinLines(repo), [])
})

test('dag import checks identity and sha2-512 blocks too, and rejects a mismatched identity block', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const small = new TextEncoder().encode('tiny')
  const inline = CID.createV1(0x55, identity.digest(small))
  const bigger = new TextEncoder().encode('hashed with sha2-512')
  const long = CID.createV1(0x55, await sha512.digest(bigger))
  const good = join(dir.path, 'good.car')
  await writeCar(good, [long], [{ cid: inline, bytes: small }, { cid: long, bytes: bigger }])
  t.is(await cliText(['dag', 'import', '--stats', good], { repo }), `Pinned root\t${long.toString()}\tsuccess\nImported 2 blocks (${small.length + bigger.length} bytes)\n`)
  t.is((await runCli(['cat', long.toString()], { repo })).stdout.toString(), 'hashed with sha2-512')

  const bad = join(dir.path, 'bad.car')
  await writeCar(bad, [inline], [{ cid: inline, bytes: new TextEncoder().encode('tinY') }])
  const result = await runCli(['dag', 'import', bad], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: invalid CAR .*bad\.car: block \S+: bytes do not hash to \S+\n$/)
})

test('dag export writes a CARv1 that imports into a fresh repo with the same CIDs and bytes', async t => {
  const first = await tempRepo()
  t.teardown(first.cleanup)
  const second = await tempRepo()
  t.teardown(second.cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  await cliText(['dag', 'import', dirWithFiles], { repo: first.repo })
  const exported = (await runCli(['dag', 'export', dirWithFilesRoot], { repo: first.repo })).stdout
  const parsed = await parseCar(exported)
  const original = await parseCar(await readFile(dirWithFiles))
  t.deepEqual(parsed.roots, [dirWithFilesRoot])
  t.deepEqual([...parsed.cids].sort(), [...new Set(original.cids)].sort())
  const path = join(dir.path, 'out.car')
  t.is(await cliText(['dag', 'export', dirWithFilesRoot, '-o', path], { repo: first.repo }), '')
  t.true((await readFile(path)).equals(exported))
  t.is(await cliText(['dag', 'import', path], { repo: second.repo }), `Pinned root\t${dirWithFilesRoot}\tsuccess\n`)
  const again = (await runCli(['dag', 'export', dirWithFilesRoot], { repo: second.repo })).stdout
  t.true(again.equals(exported))
})

test('dag export of a CID whose blocks are not local fails offline with one line', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const result = await runCli(['dag', 'export', dirWithFilesRoot], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: .*not found locally.*\n$/)
})

test('dag export -o that fails midway (a block is missing) leaves no file at the path, and no temporary file beside it', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  await cliText(['dag', 'import', '--pin-roots=false', missingBlock], { repo })
  const path = join(dir.path, 'out.car')
  const result = await runCli(['dag', 'export', 'QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk', '-o', path], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: .*not found locally.*\n$/)
  // the CAR's header and first blocks were written before the gap: into a temporary file, removed
  t.deepEqual(await readdir(dir.path), [])
})

test('CARs round-trip with ipfs-car: pack → dag import → cat, and dag export → unpack', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const source = join(dir.path, 'src')
  await mkdir(join(source, 'sub'), { recursive: true })
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 0)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff
  await writeFile(join(source, 'big.bin'), big)
  await writeFile(join(source, 'sub', 'hello.txt'), 'hello world\n')
  const packed = join(dir.path, 'packed.car')
  await run(ipfsCar, ['pack', source, '--no-wrap', '--output', packed])
  const root = (await run(ipfsCar, ['roots', packed])).stdout.trim()
  t.is(await cliText(['dag', 'import', packed], { repo }), `Pinned root\t${root}\tsuccess\n`)
  t.true((await runCli(['cat', `${root}/big.bin`], { repo })).stdout.equals(big))

  const exported = join(dir.path, 'exported.car')
  await cliText(['dag', 'export', root, '-o', exported], { repo })
  t.is((await run(ipfsCar, ['roots', exported])).stdout.trim(), root)
  const unpacked = join(dir.path, 'unpacked')
  await run(ipfsCar, ['unpack', exported, '--output', unpacked])
  t.true((await readFile(join(unpacked, 'big.bin'))).equals(big))
  t.is(await readFile(join(unpacked, 'sub', 'hello.txt'), 'utf8'), 'hello world\n')
  t.deepEqual((await readdir(unpacked)).sort(), ['big.bin', 'sub'])
})
