import test from 'ava'
import { cliText, tempDir, tempRepo } from '../helpers/cli.js'
import { runCliInTty } from '../helpers/tty.js'
import { writeKnownAnswerInputs } from '../fixtures/unixfs-trees.js'

const bigCid = 'bafybeig7k5p2jqzqmyigfuswcxei5tfttnqljkfaotcf54pgvmdmkcegfm'

test('on a terminal add and get draw a progress bar on stderr; -q and --progress=false draw none', async t => {
  const { repo, cleanup } = await tempRepo()
  t.teardown(cleanup)
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  await writeKnownAnswerInputs(dir.path)
  const bar = /[░█].* (\d+)% .*MiB/
  const shown = await runCliInTty(['add', 'big.bin'], { repo, cwd: dir.path })
  t.is(shown.code, 0, shown.output)
  t.regex(shown.output, bar)
  t.regex(shown.output, new RegExp(`added ${bigCid} big\\.bin`))
  t.notRegex(shown.output, /Bytes/)
  for (const flags of [['-q'], ['--progress=false']]) {
    const quiet = await runCliInTty(['add', ...flags, 'big.bin'], { repo, cwd: dir.path })
    t.is(quiet.code, 0, quiet.output)
    t.notRegex(quiet.output, /[░█]/, flags.join(' '))
    t.regex(quiet.output, new RegExp(bigCid))
  }
  const got = await runCliInTty(['get', bigCid, '-o', 'copy.bin'], { repo, cwd: dir.path })
  t.is(got.code, 0, got.output)
  t.regex(got.output, /[░█]/)
  // not a terminal: no bar at all
  t.is(await cliText(['add', 'big.bin'], { repo, cwd: dir.path }), `added ${bigCid} big.bin\n`)
})
