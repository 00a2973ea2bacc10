import test from 'ava'
import { rm } from 'node:fs/promises'
import { fixturePath } from '../helpers/fixtures.js'
import { cliText, runCli, tempRepo } from '../helpers/cli.js'
import { blockFilePath, corruptBlockFile } from '../helpers/repo-blocks.js'

// path_gateway_unixfs/dir-with-files.car: a directory with hello.txt, ascii.txt (twice) and multiblock.txt
const dirCar = fixturePath('path_gateway_unixfs/dir-with-files.car')
const root = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const hello = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
const multiblock = 'bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa'
// trustless_gateway_car/subdir-with-two-single-block-files.car: shares hello.txt and ascii.txt with the above
const subdirCar = fixturePath('trustless_gateway_car/subdir-with-two-single-block-files.car')
const subdirRoot = 'bafybeietjm63oynimmv5yyqay33nui4y4wx6u3peezwetxgiwvfmelutzu'
const absent = 'bafkreiaovfcinf44ijwunnzkbxy63zkjmoyeh4syjfdlt3e7qcukvyxlya'

async function repoWith (...cars: string[]): Promise<{ repo: string, cleanup: () => Promise<void> }> {
  const made = await tempRepo()
  await cliText(['dag', 'import', '--pin-roots=false', ...cars], { repo: made.repo })
  return made
}

const lines = (text: string): string[] => text.split('\n').filter(l => l !== '')

test('pin add pins recursively or directly, with a name, and pin ls shows each type as Kubo does', async t => {
  const { repo, cleanup } = await repoWith(dirCar)
  t.teardown(cleanup)
  t.is(await cliText(['pin', 'add', hello, '--recursive=false'], { repo }), `pinned ${hello} directly\n`)
  t.is(await cliText(['pin', 'add', root, '--name', 'photos 2026'], { repo }), `pinned ${root} recursively\n`)

  const all = lines(await cliText(['pin', 'ls'], { repo }))
  t.true(all.includes(`${root} recursive photos 2026`))
  t.true(all.includes(`${hello} direct`))
  t.true(all.includes(`${multiblock} indirect`))
  t.false(all.includes(`${hello} indirect`), 'a direct pin is not listed again as indirect')
  t.is(all.length, 9, 'each of the 9 distinct blocks of the DAG once')

  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })), [`${root} recursive photos 2026`])
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type=direct', '-q'], { repo })), [hello])
  t.true(lines(await cliText(['pin', 'ls', '--type', 'indirect'], { repo })).includes(`${hello} indirect`))
  t.deepEqual(lines(await cliText(['pin', 'ls', '--name', 'photos'], { repo })), [`${root} recursive photos 2026`])
  t.deepEqual(lines(await cliText(['pin', 'ls', '--name', 'nothing-like-it'], { repo })), [])
  // --json as Kubo: one {Keys} object, or with --stream one {Cid, Type, Name} per pin
  t.deepEqual(JSON.parse(await cliText(['pin', 'ls', '--type', 'recursive', '--json'], { repo })), { Keys: { [root]: { Type: 'recursive', Name: 'photos 2026' } } })
  t.deepEqual(JSON.parse(await cliText(['pin', 'ls', '--type', 'recursive', '--json', '--stream'], { repo })), { Cid: root, Type: 'recursive', Name: 'photos 2026' })
  const keys = (JSON.parse(await cliText(['pin', 'ls', '--json'], { repo })) as { Keys: Record<string, { Type: string }> }).Keys
  t.deepEqual(Object.keys(keys).sort(), all.map(line => line.split(' ')[0]).sort())
  t.is(keys[hello]?.Type, 'direct')
  t.deepEqual(lines(await cliText(['pin', 'ls', '--json', '-s'], { repo })).map(l => (JSON.parse(l) as { Cid: string }).Cid).sort(), Object.keys(keys).sort())
})

test('pin ls <cid> says how a CID is pinned, and fails for one that is not', async t => {
  const { repo, cleanup } = await repoWith(dirCar)
  t.teardown(cleanup)
  await cliText(['pin', 'add', root], { repo })
  t.is(await cliText(['pin', 'ls', root], { repo }), `${root} recursive\n`)
  t.is(await cliText(['pin', 'ls', multiblock], { repo }), `${multiblock} indirect through ${root}\n`)
  const missing = await runCli(['pin', 'ls', absent], { repo })
  t.is(missing.code, 1)
  t.is(missing.stderr, `Error: path '${absent}' is not pinned\n`)
  t.is((await runCli(['pin', 'ls', '--type', 'sideways'], { repo })).code, 2)
})

test('pin rm unpins; a CID that is not pinned, or only indirectly, is ERR_NOT_PINNED', async t => {
  const { repo, cleanup } = await repoWith(dirCar)
  t.teardown(cleanup)
  await cliText(['pin', 'add', root], { repo })
  const indirect = await runCli(['pin', 'rm', hello], { repo })
  t.is(indirect.code, 1)
  t.is(indirect.stderr, `Error: ${hello} is pinned indirectly under ${root}\n`)
  t.is(await cliText(['pin', 'rm', root], { repo }), `unpinned ${root}\n`)
  t.deepEqual(lines(await cliText(['pin', 'ls'], { repo })), [])
  const again = await runCli(['pin', 'rm', root], { repo })
  t.is(again.code, 1)
  t.is(again.stderr, `Error: ${root} is not pinned\n`)
})

test('a direct pin upgrades to recursive; a direct pin on a recursive one is refused', async t => {
  const { repo, cleanup } = await repoWith(dirCar)
  t.teardown(cleanup)
  await cliText(['pin', 'add', '--recursive=false', root], { repo })
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'direct'], { repo })), [`${root} direct`])
  const progress = lines(await cliText(['pin', 'add', '--progress', '--json', root], { repo })).map(l => JSON.parse(l) as unknown)
  t.deepEqual(progress, [{ Progress: 9 }, { Pins: [root] }], 'the 9 blocks walked, then the pin')
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'direct'], { repo })), [])
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })), [`${root} recursive`])
  const refused = await runCli(['pin', 'add', '--recursive=false', root], { repo })
  t.is(refused.code, 1)
  t.is(refused.stderr, `Error: ${root} is already pinned recursively\n`)
})

test('pin add of content that is not local fails offline and leaves no pin', async t => {
  const { repo, cleanup } = await repoWith(dirCar)
  t.teardown(cleanup)
  await rm(blockFilePath(repo, hello))
  const result = await runCli(['pin', 'add', root], { repo })
  t.is(result.code, 1)
  t.regex(result.stderr, /^Error: block not found locally and the node is offline .*\n$/)
  t.deepEqual(lines(await cliText(['pin', 'ls'], { repo })), [])
  const other = await runCli(['pin', 'add', absent], { repo })
  t.is(other.code, 1)
  t.regex(other.stderr, /not found locally/)
})

test('pin update moves a recursive pin (and its name) to a new root; --unpin=false keeps the old one', async t => {
  const { repo, cleanup } = await repoWith(dirCar, subdirCar)
  t.teardown(cleanup)
  await cliText(['pin', 'add', root, '--name', 'site'], { repo })
  t.is(await cliText(['pin', 'update', root, subdirRoot], { repo }), `updated ${root} to ${subdirRoot}\n`)
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })), [`${subdirRoot} recursive site`])
  await cliText(['pin', 'update', '--unpin=false', subdirRoot, root], { repo })
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })).sort(), [`${root} recursive site`, `${subdirRoot} recursive site`].sort())
  const notPinned = await runCli(['pin', 'update', hello, root], { repo })
  t.is(notPinned.code, 1)
  t.is(notPinned.stderr, `Error: 'from' cid ${hello} is not pinned recursively\n`)
})

test('pin verify passes on whole DAGs and names the missing and corrupt blocks (exit 1)', async t => {
  const { repo, cleanup } = await repoWith(dirCar, subdirCar)
  t.teardown(cleanup)
  await cliText(['pin', 'add', root, subdirRoot], { repo })
  t.is(await cliText(['pin', 'verify'], { repo }), '')
  t.deepEqual(lines(await cliText(['pin', 'verify', '--verbose'], { repo })).sort(), [`${root} ok`, `${subdirRoot} ok`].sort())

  await corruptBlockFile(repo, hello)
  await rm(blockFilePath(repo, multiblock))
  const result = await runCli(['pin', 'verify'], { repo })
  t.is(result.code, 1)
  const out = result.stdout.toString()
  t.regex(out, new RegExp(`^${root} broken$`, 'm'))
  // read on verify, the corrupt block is moved aside (Datastore.HashOnRead); a pin verified after that one finds it gone
  t.regex(out, new RegExp(`^  ${hello}: block ${hello} is corrupt on disk \\(bytes do not hash to ${hello}\\); moved aside to .*/corrupt/`, 'm'))
  t.regex(out, new RegExp(`^  ${multiblock}: block ${multiblock} is not in the local blockstore$`, 'm'))
  t.regex(out, new RegExp(`^${subdirRoot} broken$`, 'm'))
  t.is(result.stderr, 'Error: pin verify: 2 pins are broken\n')
})

test('a CIDv0 pin is listed as the Qm… CID it was pinned with, and found by either version', async t => {
  // path_gateway_unixfs/symlink.car: a legacy (CIDv0) directory
  const { repo, cleanup } = await repoWith(fixturePath('path_gateway_unixfs/symlink.car'))
  t.teardown(cleanup)
  const v0 = 'QmWvY6FaqFMS89YAQ9NAPjVP4WZKA1qbHbicc9HeSKQTgt'
  const v1 = 'bafybeid7rpbh2clkm6tj2zuq6oq4lyvmo5b6y7mf23h4kaqlfq4ulz4zje'
  t.is(await cliText(['pin', 'add', v0, '--name', 'legacy'], { repo }), `pinned ${v0} recursively\n`)
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })), [`${v0} recursive legacy`])
  t.is(await cliText(['pin', 'ls', v1], { repo }), `${v1} recursive legacy\n`)
  await cliText(['pin', 'add', v0, '--name', 'renamed'], { repo })
  t.deepEqual(lines(await cliText(['pin', 'ls', '--type', 'recursive'], { repo })), [`${v0} recursive renamed`])
  t.is(await cliText(['pin', 'rm', v1], { repo }), `unpinned ${v1}\n`)
  t.deepEqual(lines(await cliText(['pin', 'ls'], { repo })), [])
})
