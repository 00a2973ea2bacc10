import test from 'ava'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cliText, tempDir } from '../helpers/cli.js'

/** The version in a package.json, read here independently of the CLI. */
async function versionIn (packageJson: string): Promise<string> {
  return (JSON.parse(await readFile(packageJson, 'utf8')) as { version: string }).version
}
const installedVersion = async (name: string): Promise<string> => await versionIn(join('node_modules', name, 'package.json'))
const ownVersion = async (): Promise<string> => await versionIn('package.json')

test('version, --version and version -n print package.json\'s version and need no repo', async t => {
  const dir = await tempDir()
  t.teardown(dir.cleanup)
  const options = { env: { CAIRN_PATH: join(dir.path, 'no-repo-here') } }
  const own = await ownVersion()
  t.is(await cliText(['version'], options), `cairn version ${own}\n`)
  t.is(await cliText(['--version'], options), `cairn version ${own}\n`)
  t.is(await cliText(['version', '-n'], options), `${own}\n`)
})

test('version --all names the system, Node.js, Helia and libp2p it runs on, in Kubo\'s shape', async t => {
  const out = await cliText(['version', '--all'])
  t.is(out, [
    `Cairn version: ${await ownVersion()}`,
    `System version: ${process.arch}/${process.platform}`,
    `Node.js version: ${process.version}`,
    `Helia version: ${await installedVersion('helia')}`,
    `libp2p version: ${await installedVersion('libp2p')}`
  ].join('\n') + '\n')
  const json = JSON.parse(await cliText(['--json', 'version'])) as Record<string, string>
  t.is(json.Helia, await installedVersion('helia'))
})
