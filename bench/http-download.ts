import { get } from 'node:http'

/** Downloads a URL, counting bytes without keeping them; rejects on a non-200 status. */
export async function download (url: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    get(url, res => {
      if (res.statusCode !== 200) { reject(new Error(`${url}: HTTP ${String(res.statusCode)}`)); res.resume(); return }
      let n = 0
      res.on('data', (b: Buffer) => { n += b.length })
      res.on('end', () => { resolve(n) })
      res.on('error', reject)
    }).on('error', reject)
  })
}
