// The home page's sun grows with the nodes holding a drive complete (the seeders' idea from the Dat community):
// a size class per step, sized by the stylesheet alone, with no image and no script.
import { describe, it, expect, afterAll } from 'vitest'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs, until } from '../../helpers/temp-dir.js'
import { sunSize } from '../../../web/visitor/seed-sun.js'
import { PORTAL_CSS } from '../../../web/assets/portal-css.js'

const nodes: TestNode[] = []
afterAll(async () => {
  for (const n of nodes.reverse()) await n.close()
  await removeTempDirs()
})

async function publish (n: TestNode, title: string): Promise<string> {
  const d = await n.node.library.createOwnDrive({ title, description: '' })
  await d.drive.put('/note.txt', Buffer.from(`${title} notes`))
  await d.refresh()
  return d.id
}

/** The sun's classes on the card of `key` in the home page. */
function sunClasses (page: string, key: string): string[] {
  const card = page.slice(page.indexOf(`data-key="${key}"`))
  return /<svg class="([^"]+)"/.exec(card)![1].split(' ')
}

describe('the home page\'s sun', () => {
  it('has one size step per node holding the drive, up to four', () => {
    expect([0, 1, 2, 3, 4, 9].map(sunSize)).toEqual([1, 1, 2, 3, 4, 4])
    // Each step below the largest has its own size in the stylesheet; the largest is the default.
    for (const step of [1, 2, 3]) expect(PORTAL_CSS).toMatch(new RegExp(`\\.sun\\.holders-${step}\\{width:\\d+px;height:\\d+px\\}`))
  })

  it('is larger on the card of a drive a second node holds than on one only its publisher holds', async () => {
    const a = await startTestNode([['name', 'Library']]); nodes.push(a)
    const b = await startTestNode([['name', 'Shelf'], ['mirror', 'followed']]); nodes.push(b)
    const kept = await publish(a, 'Kept twice')
    const alone = await publish(a, 'Only here')
    await b.node.mirror.mirrorAgain(kept)
    a.node.peers.discovered({ key: b.node.library.nodeKey, host: '127.0.0.1', port: b.node.peers.port })
    b.node.peers.discovered({ key: a.node.library.nodeKey, host: '127.0.0.1', port: a.node.peers.port })
    const page = await until(async () => {
      const html = await (await fetch(`${a.url}/`)).text()
      return sunClasses(html, kept).includes('holders-2') ? html : null
    }, { timeout: 30_000, what: 'the second copy on the shelf, shown on the library\'s home page' })
    expect(sunClasses(page, kept)).toEqual(['sun', 'holders-2', 'lit'])
    expect(sunClasses(page, alone)).toEqual(['sun', 'holders-1', 'lit'])
    // The page stays light: the sun is inline SVG, sized by a class.
    expect(page).not.toMatch(/<img[^>]+sun|style="[^"]*width/)
  })
})
