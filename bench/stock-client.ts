import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StockRequest } from './stock-node.js'

const script = fileURLToPath(new URL('./stock-node.js', import.meta.url))

/** A stock Helia node in a child process (bench/stock-node.ts), asked over IPC. */
export interface StockNode {
  ask<T>(req: StockRequest): Promise<T>
  stop(): Promise<void>
}

/** Forks a stock Helia node on the folder `dir` and waits until it has started. */
export async function startStockNode (dir: string): Promise<StockNode> {
  const child: ChildProcess = fork(script, [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  let nextId = 0
  await new Promise<void>((resolve, reject) => {
    child.once('exit', code => { reject(new Error(`stock Helia node exited ${String(code)}`)) })
    child.on('message', (m: { ready?: boolean, id?: number, result?: unknown, error?: string }) => {
      if (m.ready === true) { resolve(); return }
      const w = waiting.get(m.id ?? -1)
      waiting.delete(m.id ?? -1)
      if (m.error != null) w?.reject(new Error(m.error))
      else w?.resolve(m.result)
    })
  })
  return {
    async ask<T> (req: StockRequest): Promise<T> {
      const id = nextId++
      const answer = new Promise<unknown>((resolve, reject) => waiting.set(id, { resolve, reject }))
      child.send({ id, req })
      return await answer as T
    },
    async stop () {
      child.removeAllListeners('exit')
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.send({ id: nextId++, req: { op: 'stop' } })
      await exited
    }
  }
}
