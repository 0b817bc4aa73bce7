// Repair: when a mirror holding a drive's last copies goes for good, the others bring the drive back to its
// target of copies, making room by giving up a copy of a drive the region holds more of than it needs.
// 3 publishers that only publish, 4 mirrors with room for 2 of the 3 MB drives each: 8 places for the 6 copies
// needed, so in a settled region every mirror is full and two copies are extras.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs } from '../helpers/temp-dir.js'
import { until } from '../helpers/until.js'

const MB = 1024 * 1024
const PUBLISHERS = 3
const MIRRORS = 4
const K = 2
// Default settings but the grace: 60 s by default (a reboot is not a loss); the repair itself is what is shown.
const GRACE_S = 5
const TITLES = Array.from({ length: PUBLISHERS }, (_, i) => `repair-${i}`)
let lan: Lan
let mirrors: NodeProcess[] = []

beforeAll(async () => {
  lan = await createLan({ nodes: PUBLISHERS + MIRRORS })
  const folders = await Promise.all(TITLES.map(name => makeMediaFolder({ small: 3, smallBytes: MB, name })))
  const grace = ['--holder-grace', String(GRACE_S)]
  await Promise.all(folders.map((f, i) => startNode(lan.nodes[i], { name: `publisher-${i}`, share: [f.dir], args: ['--mirror', 'followed', ...grace] })))
  mirrors = await Promise.all(Array.from({ length: MIRRORS }, (_, i) => startNode(lan.nodes[PUBLISHERS + i], { name: `mirror-${i}`, args: ['--max-total-size', '7M', ...grace] })))
}, 120_000)
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

/** Per title, the mirrors (of `among`) holding it complete, and how many drives each holds complete: one status per mirror, so both come from the same moment. */
async function holdersByTitle (among: NodeProcess[]): Promise<Map<string, NodeProcess[]> & { completeOn: Map<NodeProcess, number> }> {
  const by = Object.assign(new Map<string, NodeProcess[]>(TITLES.map(t => [t, []])), { completeOn: new Map<NodeProcess, number>() })
  await Promise.all(among.map(async m => {
    const complete = (await m.status()).drives.filter((d: any) => d.complete)
    by.completeOn.set(m, complete.length)
    for (const d of complete) by.get(d.title)?.push(m)
  }))
  return by
}

describe(`${PUBLISHERS} publishers and ${MIRRORS} full mirrors, ${K} copies wanted`, () => {
  it('a mirror holding a drive with exactly K copies is killed: the drive is back to K on the others, by evicting an extra copy', async () => {
    // Settled: every mirror full (2 drives complete), every drive on at least K mirrors.
    // Both read from one status per mirror: read apart, a mirror could take a drive between them and look settled.
    const settled = await until(async () => {
      const by = await holdersByTitle(mirrors)
      const full = mirrors.every(m => by.completeOn.get(m) === 2)
      return full && [...by.values()].every(h => h.length >= K) ? by : null
    }, { timeout: 180_000, every: 1000, what: 'every mirror full and every drive on 2 mirrors' })
    const [title, holders] = [...settled].find(([, h]) => h.length === K)!
    const extras = new Set([...settled].filter(([, h]) => h.length > K).map(([t]) => t))
    expect(extras.size, `holders per title: ${JSON.stringify([...settled].map(([t, h]) => [t, h.length]))}`).toBeGreaterThan(0)
    const victim = holders[0]
    const survivors = mirrors.filter(m => m !== victim)
    const evictedBefore = new Map(await Promise.all(survivors.map(async m => [m, (await m.status()).evictions.length] as const)))
    await victim.kill()

    // Quiet figure: the grace (5 s), a review (every 10 s) and a 3 MB transfer (well under a second here).
    const repaired = await until(async () => {
      const by = await holdersByTitle(survivors)
      return [...by.values()].every(h => h.length >= K) ? by : null
    }, { timeout: 120_000, every: 1000, what: `"${title}" back on ${K} mirrors` })
    expect(repaired.get(title)!.length).toBe(K)
    // The room came from a copy of a drive the region held more than K of.
    const evicted: string[] = []
    for (const m of survivors) evicted.push(...(await m.status()).evictions.slice(evictedBefore.get(m)).map((e: any) => e.title))
    expect(evicted.length).toBeGreaterThan(0)
    for (const t of evicted) expect(extras).toContain(t)
    for (const m of survivors) expect((await m.status()).disk.used).toBeLessThanOrEqual(7 * MB)
    // Catalogues carry the new complete copies to every survivor within a refresh (3 s): then none sees a drive at risk.
    await until(async () => {
      for (const m of survivors) if ((await m.status()).region.atRisk !== 0) return false
      return true
    }, { timeout: 30_000, every: 500, what: 'every survivor to see no drive at risk' })
  }, 400_000)
})
