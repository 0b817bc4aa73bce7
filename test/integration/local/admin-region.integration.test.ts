// The organiser sees the region's health on /admin: every drive on the LAN with its copies and who holds it,
// the drives closest to being lost first, in the organiser's language, with no script needed.
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import type { TestNode } from '../../helpers/test-node.js'
import { removeTempDirs, until } from '../../helpers/temp-dir.js'

let a: TestNode
let b: TestNode
let c: AdminClient
const keys: Record<string, string> = {}

async function publish (n: TestNode, title: string): Promise<string> {
  const d = await n.node.library.createOwnDrive({ title, description: '' })
  await d.drive.put('/note.txt', Buffer.from(`${title} notes`))
  await d.refresh()
  return d.id
}

/** The region section's drive rows in page order: key and state. */
const rows = (page: string) => [...page.matchAll(/data-region-drive="([^"]+)" data-state="([^"]+)"/g)].map(m => ({ key: m[1], state: m[2] }))

beforeAll(async () => {
  // One copy besides the publisher's is the target, so a drive is either safe or only on its publisher's device.
  // A short grace (--holder-grace) so that the last spec sees a departed holder stop counting.
  a = await startAdminNode({ pairs: [['name', 'Library Pi'], ['copies', '1'], ['holder-grace', '2']] })
  keys.beta = await publish(a, 'Beta')
  keys.alpha = await publish(a, 'Alpha')
  // The shelf takes only what it follows: Alpha, not Beta. The library mirrors every drive, so Gamma too.
  b = await startAdminNode({ password: null, pairs: [['name', 'Shelf'], ['copies', '1'], ['mirror', 'followed'], ['follow', keys.alpha]] })
  keys.gamma = await publish(b, 'Gamma')
  a.node.peers.discovered({ key: b.node.library.nodeKey, host: '127.0.0.1', port: b.node.peers.port, name: 'Shelf' })
  b.node.peers.discovered({ key: a.node.library.nodeKey, host: '127.0.0.1', port: a.node.peers.port, name: 'Library Pi' })
  c = new AdminClient(a.url)
  expect((await c.login(PASSWORD)).status).toBe(303)
  await until(async () => {
    const s = await (await fetch(`${a.url}/api/status`)).json()
    const copies = (key: string) => s.drives.find((d: any) => d.key === key)?.copies
    return copies(keys.alpha) === 2 && copies(keys.gamma) === 2 && copies(keys.beta) === 1
  }, { timeout: 30_000, what: 'Alpha on the shelf and Gamma on the library, complete' })
})
afterAll(async () => {
  await b?.close()
  await a?.close()
  await removeTempDirs()
})

describe('the admin page\'s copies on the LAN', () => {
  it('lists every drive of the LAN, the one only on its publisher\'s device first, then the safe ones by title', async () => {
    const page = (await c.get('/admin')).text
    expect(rows(page)).toEqual([
      { key: keys.beta, state: 'publisher-only' },
      { key: keys.alpha, state: 'safe' },
      { key: keys.gamma, state: 'safe' }
    ])
    expect(page).toContain('Nodes connected: 2 · drives: 3 · at risk: 1')
    const beta = page.slice(page.indexOf(`data-region-drive="${keys.beta}"`)).split('</tr>')[0]
    expect(beta).toContain('only on the publisher’s device')
    expect(beta).toContain('copies: 0 of 1')
    expect(beta).toContain('Library Pi (this node, publisher)')
    const gamma = page.slice(page.indexOf(`data-region-drive="${keys.gamma}"`)).split('</tr>')[0]
    expect(gamma).toContain('copies: 1 of 1 (safe)')
    expect(gamma).toContain('Shelf (publisher)')
    expect(gamma).toContain('Library Pi (this node)')
    // Server-rendered: the section is there with scripts off, and it carries no script of its own.
    const section = page.slice(page.indexOf('id="region"'), page.indexOf('</section>', page.indexOf('id="region"')))
    expect(section).not.toMatch(/<script|onclick=/)
  })

  it('speaks the organiser\'s language, Arabic included', async () => {
    const es = (await c.get('/admin', { 'accept-language': 'es' })).text
    expect(es).toContain('Copias en la red local')
    expect(es).toContain('solo en el dispositivo del editor')
    expect(es).toContain('copias: 1 de 1 (a salvo)')
    const ar = (await c.get('/admin', { 'accept-language': 'ar' })).text
    expect(ar).toContain('على جهاز الناشر فقط')
    expect(rows(ar).map(r => r.key)).toEqual([keys.beta, keys.alpha, keys.gamma])
  })

  it('once the shelf has left for longer than the grace period, the drive it held is only on its publisher\'s device again', async () => {
    await b.close()
    const alpha = await until(async () => {
      const row = rows((await c.get('/admin')).text).find(r => r.key === keys.alpha)
      return row?.state === 'publisher-only' ? row : null
    }, { timeout: 30_000, what: 'Alpha back to its publisher only' })
    expect(alpha.state).toBe('publisher-only')
  })
})
