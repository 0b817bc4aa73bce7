// The LAN as one library: nodes whose disks cannot hold every drive split the library between them so that
// each drive is complete on at least 2 nodes besides its publisher, and stays so when the publishers go.
// 5 publishers that only publish, 5 mirrors with room for 2 of the 3 MB drives each: exactly the 10 copies needed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs } from '../helpers/temp-dir.js'
import { until, holdsFor } from '../helpers/until.js'
import { DEFAULT_HOLDER_GRACE_MS } from '../../services/mirror/holder-grace.js'

const MB = 1024 * 1024
const PUBLISHERS = 5
const MIRRORS = 5
const TITLES = Array.from({ length: PUBLISHERS }, (_, i) => `drive-${i}`)
let lan: Lan
let publishers: NodeProcess[] = []
let mirrors: NodeProcess[] = []

beforeAll(async () => {
  lan = await createLan({ nodes: PUBLISHERS + MIRRORS })
  const folders = await Promise.all(TITLES.map(name => makeMediaFolder({ small: 3, smallBytes: MB, name })))
  // Publishers only publish; each mirror has room for two of the 3 MB drives, default settings otherwise.
  publishers = await Promise.all(folders.map((f, i) => startNode(lan.nodes[i], { name: `publisher-${i}`, share: [f.dir], args: ['--mirror', 'followed'] })))
  mirrors = await Promise.all(Array.from({ length: MIRRORS }, (_, i) => startNode(lan.nodes[PUBLISHERS + i], { name: `mirror-${i}`, args: ['--max-total-size', '7M'] })))
}, 120_000)
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

/** Per title, how many mirrors hold it complete. */
async function completeCopies (): Promise<Map<string, number>> {
  const counts = new Map(TITLES.map(t => [t, 0]))
  for (const m of mirrors) {
    for (const d of (await m.status()).drives) if (d.complete && counts.has(d.title)) counts.set(d.title, counts.get(d.title)! + 1)
  }
  return counts
}
const everyDriveOnTwo = async () => [...(await completeCopies()).values()].every(n => n >= 2)

describe(`${PUBLISHERS} publishers and ${MIRRORS} mirrors with room for 2 drives each`, () => {
  it('once settled, every drive is complete on at least 2 mirrors, and the status says so', async () => {
    // Quiet figure: a 3 MB drive syncs on this LAN within a few seconds; reviews run every 10 s at most.
    await until(everyDriveOnTwo, { timeout: 120_000, every: 500, what: 'every drive complete on 2 mirrors' })
    const st = await until(async () => {
      const s = await mirrors[0].status()
      return s.region.atRisk === 0 && s
    }, { timeout: 30_000, every: 500, what: 'mirror-0 to see no drive at risk' })
    expect(st.region).toMatchObject({ nodes: PUBLISHERS + MIRRORS, drives: PUBLISHERS, copies: 2, atRisk: 0 })
    for (const d of [...st.drives, ...st.available]) {
      expect(d.holders.length).toBe(d.copies)
      // Its publisher and at least 2 mirrors.
      expect(d.copies).toBeGreaterThanOrEqual(3)
    }
    for (const m of mirrors) expect((await m.status()).disk.used).toBeLessThanOrEqual(7 * MB)
  }, 200_000)

  it('when every publisher is gone, every drive is still complete on at least 2 mirrors, through the grace period and after', async () => {
    await Promise.all(publishers.map(p => p.kill()))
    await until(async () => {
      for (const m of mirrors) if ((await m.status()).peers.length !== MIRRORS - 1) return false
      return true
    }, { timeout: 60_000, every: 500, what: 'mirrors to see the publishers gone' })
    // Past the grace period, and a review after it: no copy may be lost or given up.
    await holdsFor(everyDriveOnTwo, DEFAULT_HOLDER_GRACE_MS + 15_000, { every: 2000, what: 'every drive complete on 2 mirrors' })
    const st = await mirrors[0].status()
    expect(st.region).toMatchObject({ nodes: MIRRORS, drives: PUBLISHERS, atRisk: 0 })
  }, 200_000)
})
