import { createServer, connect, type AddressInfo } from 'node:net'
import { rateOf, type Rate } from './ceilings.js'

/** Pushes `bytes` through one TCP connection on 127.0.0.1: the loopback network ceiling. */
export async function loopbackTcpRate (bytes: number): Promise<Rate> {
  const piece = Buffer.alloc(1024 * 1024, 1)
  const server = createServer(socket => {
    let left = bytes
    const pump = (): void => {
      while (left > 0) {
        left -= piece.length
        if (!socket.write(piece)) { socket.once('drain', pump); return }
      }
      socket.end()
    }
    pump()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await rateOf(bytes, async () => {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1')
        socket.on('data', () => {})
        socket.on('end', resolve)
        socket.on('error', reject)
      })
    })
  } finally {
    server.close()
  }
}
