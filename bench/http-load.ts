import { Agent, get } from 'node:http'

/** What a bounded HTTP load run measured. */
export interface LoadResult {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
}

/** The value at quantile `q` (0..1) of `values`. */
export function quantile (values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

/** One GET, read to the end; resolves with the ms to the first byte and to the end. */
export async function timedGet (url: string, agent?: Agent): Promise<{ ttfbMs: number, totalMs: number, bytes: number }> {
  const start = process.hrtime.bigint()
  const ms = (): number => Number(process.hrtime.bigint() - start) / 1e6
  return await new Promise((resolve, reject) => {
    get(url, agent != null ? { agent } : {}, res => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`${url}: HTTP ${String(res.statusCode)}`)); return }
      let ttfbMs: number | undefined
      let bytes = 0
      res.on('data', (b: Buffer) => { ttfbMs ??= ms(); bytes += b.length })
      res.on('end', () => { resolve({ ttfbMs: ttfbMs ?? ms(), totalMs: ms(), bytes }) })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/**
 * `total` GETs over `connections` keep-alive connections, each request the next of
 * `urls` (round robin); stops early after `maxSeconds`. Every response must be 200.
 */
export async function httpLoad (urls: string[], total: number, connections: number, maxSeconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const latencies: number[] = []
  let next = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(Math.round(maxSeconds * 1e9))
  const worker = async (): Promise<void> => {
    while (next < total && process.hrtime.bigint() < deadline) {
      const url = urls[next++ % urls.length] as string
      latencies.push((await timedGet(url, agent)).totalMs)
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  agent.destroy()
  return { requestsPerSec: latencies.length / seconds, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) }
}
