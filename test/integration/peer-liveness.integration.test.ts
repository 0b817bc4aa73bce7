// Liveness comes from the connection, not from mDNS: a peer that freezes (or loses power, sending no FIN) is
// dropped after the dead-peer timeout, and when it comes back the nodes reconnect by themselves.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

let lan: Lan
let a: NodeProcess, b: NodeProcess

beforeAll(async () => {
  lan = await createLan({ nodes: 2 })
  ;[a, b] = await Promise.all([startNode(lan.nodes[0], { name: 'a' }), startNode(lan.nodes[1], { name: 'b' })])
  await until(async () => (await a.status()).peers.length === 1, { what: 'a and b connected' })
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

describe('peer liveness', () => {
  it('drops a frozen peer within the 15 s dead-peer timeout, then reconnects when it thaws', async () => {
    process.kill(b.proc.pid!, 'SIGSTOP')
    const frozenAt = Date.now()
    try {
      await until(async () => (await a.status()).peers.length === 0, { timeout: 25_000, every: 250, what: 'frozen peer dropped' })
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(10_000)
    } finally {
      process.kill(b.proc.pid!, 'SIGCONT')
    }
    await until(async () => (await a.status()).peers.length === 1 && (await b.status()).peers.length === 1,
      { timeout: 40_000, every: 250, what: 'reconnection after thaw' })
  })
})
