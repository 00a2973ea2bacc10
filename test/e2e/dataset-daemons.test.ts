import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, runCli, tempDir, tempRepo } from '../helpers/cli.js'
import { startDaemon, type DaemonProcess } from '../helpers/nodes.js'

test('dataset commands through the CLI and two daemons: publish a folder, follow, sync, ls --json, status --min-copies', async t => {
  const daemons: Array<{ repo: string, daemon: DaemonProcess }> = []
  for (let i = 0; i < 2; i++) {
    const { repo, cleanup } = await tempRepo()
    t.teardown(cleanup)
    const daemon = await startDaemon(repo)
    t.teardown(async () => { await daemon.stop('SIGKILL') })
    daemons.push({ repo, daemon })
  }
  const [a, b] = daemons as [{ repo: string, daemon: DaemonProcess }, { repo: string, daemon: DaemonProcess }]
  await cliText(['swarm', 'connect', a.daemon.swarm[0] as string], { repo: b.repo })

  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const folder = join(dir.path, 'survey')
  await mkdir(folder)
  for (let i = 0; i < 5; i++) await writeFile(join(folder, `part-${i}.csv`), `id,value\n${i},${'x'.repeat(1000 * (i + 1))}\n`)
  const root = (await cliText(['add', '-r', '-q', folder], { repo: a.repo })).trim().split('\n').at(-1) as string

  const published = (await cliText(['dataset', 'publish', 'survey', root], { repo: a.repo })).trim()
  const name = /^Published survey to (k51\S+): \/ipfs\/(\S+)$/.exec(published)?.[1]
  t.truthy(name, published)
  t.is((await cliText(['key', 'list'], { repo: a.repo })).split('\n').includes('survey'), true)

  t.is((await cliText(['dataset', 'follow', name as string, '--as', 'survey-copy'], { repo: b.repo })).trim(), `Following ${name as string} as survey-copy`)
  t.regex(await cliText(['dataset', 'sync', 'survey-copy'], { repo: b.repo }), new RegExp(`^survey-copy\\t${name as string}\\t${root}\\tsynced\\t`))
  const [listed] = (await cliText(['dataset', 'ls', '--json'], { repo: b.repo })).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  t.like(listed, { Name: 'survey-copy', IpnsName: name, Cid: root, State: 'synced', Role: 'follower' })
  t.truthy(listed?.LastCheck)
  t.truthy(listed?.LastChange)
  t.is(await cliText(['cat', `${root}/part-3.csv`], { repo: b.repo }), `id,value\n3,${'x'.repeat(4000)}\n`)

  const status = await cliText(['dataset', 'status', 'survey', '--min-copies', '2'], { repo: a.repo })
  t.regex(status, /: 2 copies \(this node included\)\n/)
  t.true(status.includes(b.daemon.peerId))
  const few = await runCli(['dataset', 'status', 'survey', '--min-copies', '3'], { repo: a.repo })
  t.is(few.code, 1)
  t.regex(few.stderr, /^Error: survey: 2 copies seen, fewer than --min-copies 3\n$/)

  t.is((await cliText(['dataset', 'unfollow', 'survey-copy'], { repo: b.repo })).trim(), 'Unfollowed survey-copy')
  t.is((await cliText(['dataset', 'ls'], { repo: b.repo })), '')
})
