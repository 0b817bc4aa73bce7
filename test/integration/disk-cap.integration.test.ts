// A node with a small disk cap mirrors what fits, evicts the least recently used drive to make room for a new
// one, and says so in its status.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

const MB = 1024 * 1024
let lan: Lan
let publisher: NodeProcess
let small: NodeProcess
let folders: MediaFolder[]
let huge: MediaFolder

beforeAll(async () => {
  lan = await createLan({ nodes: 2 })
  folders = await Promise.all(['maps', 'songs', 'films'].map(name => makeMediaFolder({ small: 3, smallBytes: MB, name })))
  huge = await makeMediaFolder({ small: 8, smallBytes: MB, name: 'archive' })
  publisher = await startNode(lan.nodes[0], { name: 'publisher', share: [folders[0].dir, folders[1].dir] })
  small = await startNode(lan.nodes[1], { name: 'small', args: ['--max-total-size', '7M'] })
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

const held = async (title: string) => driveByTitle(await small.status(), title)

describe('a node with a 7 MB disk cap and 3 MB drives', () => {
  it('mirrors the two drives that fit', async () => {
    await until(async () => {
      const [m, s] = [await held('maps'), await held('songs')]
      return m?.complete && s?.complete
    }, { timeout: 30_000, what: 'maps and songs mirrored' })
    const s = await small.status()
    expect(s.disk.used).toBeLessThanOrEqual(7 * MB)
  })

  it('evicts the least recently used drive for a new one, and reports the eviction', async () => {
    // A visitor opens something from "songs": "maps" becomes the least recently used.
    const songs = await held('songs')
    expect((await small.get(`/d/${songs.key}/photos/img-0000.jpg`)).status).toBe(200)
    // The publisher shares a third folder.
    await publisher.stop()
    publisher = await startNode(lan.nodes[0], { name: 'publisher', data: publisher.data, share: [...folders.map(f => f.dir), huge.dir] })
    await until(async () => (await held('films'))?.complete, { timeout: 30_000, what: 'films mirrored' })
    const s = await small.status()
    expect(driveByTitle(s, 'maps')).toBeUndefined()
    expect(driveByTitle(s, 'songs')?.complete).toBe(true)
    expect(s.evictions).toEqual([expect.objectContaining({ title: 'maps', reason: 'no-space' })])
    expect(s.available).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'maps', reason: 'cooling-down' })]))
    expect(s.disk.used).toBeLessThanOrEqual(7 * MB)
    expect(small.logs.join('\n')).toMatch(/evicting "maps" \(disk cap reached, least recently used\)/)
  })

  it('refuses a drive larger than its per-drive cap and says why', async () => {
    const s = await until(async () => {
      const st = await small.status()
      // The publisher offers it at its full size from the start (never growing under the small node's placement,
      // which once made it evict "songs" for a drive it then refused); the review that says so may come later.
      return st.available.some((a: any) => a.title === 'archive' && a.bytes === 8 * MB && a.reason === 'too-large') && st
    }, { what: 'archive refused at its full size' })
    expect(s.disk.perDriveCap).toBe(7 * MB)
    expect(s.available).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'archive', bytes: 8 * MB, reason: 'too-large' })]))
    expect(driveByTitle(s, 'archive')).toBeUndefined()
  })
})
