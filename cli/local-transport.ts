import { createNode, type CairnNode } from '../node/node.js'
import { openRepo } from '../node/repo/repo.js'
import type { Transport } from './transport.js'

/** Runs commands in this process on the repo at `root`, with no network. */
export async function openLocalTransport (root: string): Promise<Transport> {
  const node: CairnNode = await createNode(await openRepo(root))
  return {
    invoke (command, call, signal) {
      return command.run({ node, signal }, call)
    },
    async close () {
      await node.stop()
    }
  }
}
