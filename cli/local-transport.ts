import { acquireLock } from '../node/repo/lock.js'
import { repoPaths } from '../node/repo/paths.js'
import type { Config } from '../config/config.js'
import type { CairnNode } from '../node/node.js'
import type { Transport } from './transport.js'

/** The repo's config, read while holding its lock: a repo another process holds is refused as openRepo refuses it. */
async function readConfigLocked (root: string): Promise<Config> {
  const { readConfig } = await import('../node/repo/repo.js')
  const config = await readConfig(root)
  const lock = await acquireLock(repoPaths(root).lock)
  await lock.release()
  return config
}

/**
 * Runs commands in this process on the repo at `root`, with no network. The node is
 * opened at the first command that needs it; a call that is answered from the config
 * alone (`fromConfig`: `id`, `config show`, `add -n`) opens none, so it loads no Helia.
 */
export async function openLocalTransport (root: string): Promise<Transport> {
  let node: CairnNode | undefined
  return {
    async * invoke (command, call, signal) {
      if (command.output === 'values' && command.fromConfig != null && command.needsNode?.(call) !== true) {
        yield * command.fromConfig(await readConfigLocked(root), call, signal)
        return
      }
      if (node == null) {
        const [{ createNode }, { openRepo }] = await Promise.all([import('../node/node.js'), import('../node/repo/repo.js')])
        node = await createNode(await openRepo(root))
      }
      yield * command.run({ node, signal }, call)
    },
    async close () {
      await node?.stop()
    }
  }
}
