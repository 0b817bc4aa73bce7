// A node facing peers that break the protocol must stay up, keep serving, and stay within its caps.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const HOSTILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/hostile-peer.ts')
let lan: Lan
let victim: NodeProcess
let media: MediaFolder
let key: string
let replicationPort: number

beforeAll(async () => {
  lan = await createLan({ nodes: 2 })
  media = await makeMediaFolder({ small: 5, name: 'library' })
  victim = await startNode(lan.nodes[0], { name: 'victim', share: [media.dir], args: ['--max-total-size', '64M'] })
  const s = await victim.status()
  key = driveByTitle(s, 'library').key
  replicationPort = s.node.replicationPort
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

async function stillServing () {
  const s = await victim.status()
  expect(victim.proc.exitCode).toBeNull()
  const got = await victim.fetchFiles(key, ['/photos/img-0001.jpg'])
  expect(got['/photos/img-0001.jpg'].sha256).toBe(media.files.get('/photos/img-0001.jpg'))
  return s
}

const hostile = (...args: string[]) => lan.nodes[1].exec(process.execPath, ['--import', 'tsx', HOSTILE, ...args], { timeout: 60_000 })

describe('a node facing hostile peers', () => {
  it('shrugs off connections that fail the Noise handshake', async () => {
    const r = await hostile('garbage-handshake', lan.nodes[0].ip, String(replicationPort))
    expect(r.stdout).toMatch(/done/)
    const s = await stillServing()
    expect(s.peers).toEqual([])
    expect(victim.logs.join('\n')).toMatch(/handshake with .* failed/)
  })

  it('drops a peer that sends garbage after a good handshake', async () => {
    const r = await hostile('garbage-after-handshake', lan.nodes[0].ip, String(replicationPort))
    expect(r.stdout).toMatch(/done/)
    await until(async () => (await victim.status()).peers.length === 0, { what: 'garbage peers dropped' })
    await stillServing()
  })

  it('stays within its caps when a peer announces 10,000 drives', async () => {
    const store = await tempDir('p2p-hostile-store-')
    const run = hostile('flood-drives', lan.nodes[0].ip, String(replicationPort), store)
    await until(async () => (await victim.status()).peers.length === 1, { what: 'flooding peer connected' })
    const during = await stillServing()
    const r = await run
    expect(r.stdout).toMatch(/sent/)
    const after = await stillServing()
    // Unverifiable drives are probed a few at a time, never all at once, and the disk cap holds.
    for (const s of [during, after]) {
      expect(s.drives.length).toBeLessThanOrEqual(1 + 16)
      expect(s.disk.used).toBeLessThanOrEqual(s.disk.cap)
    }
    expect(after.available.length).toBeLessThanOrEqual(200)
  })
})
