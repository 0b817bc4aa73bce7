import net from 'node:net'

/** A TCP port free on 127.0.0.1 right now, for a node started as a child process. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    }).once('error', reject)
  })
}
