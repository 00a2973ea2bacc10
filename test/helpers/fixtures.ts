import '../../node/polyfill.js'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CarBlockIterator } from '@ipld/car/iterator'
import { createNode, type CairnNode } from '../../node/node.js'
import { initRepo, openRepo } from '../../node/repo/repo.js'
import { tempDir } from './cli.js'
import type { CID } from 'multiformats/cid'

/**
 * Where the gateway-conformance suite's fixtures (CARs, IPNS records) live: copied into
 * `test/fixtures/conformance/` (source and licence in its README), so a clone needs nothing beside it.
 */
export const conformanceFixtures = fileURLToPath(new URL('../fixtures/conformance', import.meta.url))

/** The absolute path of a conformance fixture, e.g. `trustless_gateway_car/dir-with-duplicate-files.car`. */
export function fixturePath (name: string): string {
  return join(conformanceFixtures, name)
}

/** An offline node on a fresh `local` repo in a temp folder; `cleanup` stops it and removes the folder. */
export async function tempNode (): Promise<{ node: CairnNode, repo: string, cleanup: () => Promise<void> }> {
  const dir = await tempDir('cairn-node-')
  const repo = join(dir.path, 'repo')
  await initRepo(repo, 'local')
  const node = await createNode(await openRepo(repo))
  return {
    node,
    repo,
    cleanup: async () => {
      await node.stop()
      await dir.cleanup()
    }
  }
}

/**
 * Puts every block of a CAR file into the node's blockstore, as they are (no pinning,
 * no hash check: the fixtures are trusted), and returns the CAR's header roots.
 */
export async function importCarFile (node: CairnNode, file: string): Promise<CID[]> {
  const blocks = await CarBlockIterator.fromIterable(createReadStream(file.startsWith('/') ? file : fixturePath(file)))
  for await (const { cid, bytes } of blocks) {
    await node.helia.blockstore.put(cid, bytes)
  }
  return await blocks.getRoots()
}

/** Imports a fixture CAR and returns its first root. */
export async function importFixture (node: CairnNode, name: string): Promise<CID> {
  const [root] = await importCarFile(node, name)
  if (root == null) throw new Error(`fixture ${name} has no root`)
  return root
}

/** Imports fixtures (paths under the conformance fixtures folder) and returns their roots by name. */
export async function importFixtures (node: CairnNode, names: string[]): Promise<Record<string, CID>> {
  const roots: Record<string, CID> = {}
  for (const name of names) roots[name] = await importFixture(node, name)
  return roots
}
