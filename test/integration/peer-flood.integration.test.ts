// Peers with self-made keys flooding the replication port cannot keep the LAN's own nodes out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

const HOSTILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/hostile-peer.ts')
let lan: Lan
let victim: NodeProcess
let friend: NodeProcess

beforeAll(async () => {
  lan = await createLan({ nodes: 3 })
  victim = await startNode(lan.nodes[0], { name: 'victim' })
  friend = await startNode(lan.nodes[1], { name: 'friend' })
  await until(async () => (await victim.status()).peers.some((p: any) => p.name === 'friend'), { timeout: 60_000, what: 'friend found over mDNS' })
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

describe('a flood of fake peers', () => {
  it('holds only the few slots for unannounced peers, and a known node that restarts is back within 5 s', async () => {
    const { replicationPort } = (await victim.status()).node
    const flood = lan.nodes[2].exec(process.execPath, ['--import', 'tsx', HOSTILE, 'flood-peers', lan.nodes[0].ip, String(replicationPort), '40'], { timeout: 120_000 })
    // The flood has the node's unannounced slots once its peers outnumber the friend.
    let ended: string | null = null
    flood.then((r) => { ended = `exit ${r.code}: ${r.stdout} ${r.stderr}` }, (err: Error) => { ended = err.message })
    await until(async () => {
      if (ended !== null) throw new Error(`the flood ended early: ${ended}`)
      return (await victim.status()).peers.length > 1
    }, { timeout: 30_000, what: 'flood connected' })
    const during = await victim.status()
    expect(during.peers.filter((p: any) => p.name !== 'friend').length).toBeLessThanOrEqual(4)
    await friend.stop()
    await until(async () => !(await victim.status()).peers.some((p: any) => p.name === 'friend'), { timeout: 30_000, what: 'friend gone' })
    await friend.restart()
    const back = Date.now()
    await until(async () => (await victim.status()).peers.some((p: any) => p.name === 'friend'), { timeout: 30_000, every: 100, what: 'friend back' })
    const ms = Date.now() - back
    console.log(`friend back ${ms} ms after its restart, during the flood`)
    expect(ms).toBeLessThan(5_000)
    const r = await flood
    expect(r.stdout).toMatch(/done: \d+ handshakes/)
    expect(victim.proc.exitCode).toBeNull()
  })
})
