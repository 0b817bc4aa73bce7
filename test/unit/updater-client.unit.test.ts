import net from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UpdaterClient } from '../../services/update/updater-client.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'

const servers: net.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise(resolve => s.close(resolve))
  await removeTempDirs()
})

/** A helper that takes `delayMs` to answer every request, as one hashing a whole release does on a slow machine. */
async function slowHelper (delayMs: number): Promise<string> {
  const file = path.join(await tempDir('updater-client-'), 'updater.sock')
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.once('data', () => {
      const timer = setTimeout(() => socket.end(JSON.stringify({ ok: true, current: '1.0.0', history: [] }) + '\n'), delayMs)
      socket.on('close', () => clearTimeout(timer))
      socket.on('error', () => clearTimeout(timer))
    })
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(file, resolve))
  return file
}

describe('the update helper client', () => {
  it('waits for an offer as long as the helper needs to verify the whole release, and gives up on other requests sooner', async () => {
    const file = await slowHelper(400)
    const client = new UpdaterClient({ path: file, timeoutMs: 100, offerTimeoutMs: 5000 })
    await client.open()
    try {
      await expect(client.offer('/var/lib/p2p-portal/data/updates/p2p-portal-release-1.1.0.tar')).resolves.toMatchObject({ current: '1.0.0' })
      await expect(client.status()).rejects.toMatchObject({ code: 'UPDATER_UNAVAILABLE' })
    } finally {
      await client.close()
    }
  })
})
