import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { sampleDrive, put } from '../../helpers/portal-drive.js'
import { SearchIndex } from '../../../services/search/search-index.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode()
  key = (await sampleDrive(t)).id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const index = () => new SearchIndex({ library: t.node.library, dir: path.join(t.config.data, 'search') })

describe('search', () => {
  it('finds file names and the words of text, Markdown and HTML files, not HTML tags or scripts', async () => {
    const s = index()
    expect((await s.search('plain')).map(h => h.path)).toContain('/pics/plain.jpg')
    expect(await s.search('zebras')).toEqual([expect.objectContaining({ key, path: '/docs/readme.md', inText: true })])
    expect((await s.search('giraffes')).map(h => h.path)).toEqual(['/docs/notes.txt'])
    expect((await s.search('unicorns')).map(h => h.path)).toEqual(['/docs/page.html'])
    expect(await s.search('scriptword')).toEqual([])
    expect(await s.search('body')).toEqual([])
  })

  it('matches every word, ignores case and accents, and takes a prefix for the last word', async () => {
    const s = index()
    expect((await s.search('BRING Zébras')).map(h => h.path)).toEqual(['/docs/readme.md'])
    expect((await s.search('giraf')).map(h => h.path)).toEqual(['/docs/notes.txt'])
    expect(await s.search('giraffes zebras')).toEqual([])
  })

  it('indexes a new version incrementally: new and changed files are found, deleted ones are gone', async () => {
    const s = index()
    await s.search('anything')
    const d = t.node.library.get(key)!
    await put(d, '/docs/new.md', 'Okapis are shy.')
    await d.drive.del('/docs/notes.txt')
    expect((await s.search('okapis')).map(h => h.path)).toEqual(['/docs/new.md'])
    expect(await s.search('giraffes')).toEqual([])
  })

  it('keeps the index on disk, so a restarted node does not reread its files', async () => {
    await index().search('zebras')
    const file = path.join(t.config.data, 'search', `${key}.json`)
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'))
    expect(saved.version).toBe(t.node.library.get(key)!.version)
    expect(saved.files['/docs/readme.md']).toContain('zebras')
  })

  it('caps the text read from each file', async () => {
    const d = t.node.library.get(key)!
    await put(d, '/docs/huge.txt', 'early '.repeat(20_000) + ' lateword')
    expect(await index().search('early')).toHaveLength(1)
    expect(await index().search('lateword')).toEqual([])
  })

  it('has a results page linking to each file', async () => {
    const html = await (await fetch(`${t.url}/search?q=zebras`)).text()
    expect(html).toContain(`<a href="/drive/${key}/docs/readme.md">readme.md</a>`)
    expect(html).toContain('1 result for')
    const none = await (await fetch(`${t.url}/search?q=${encodeURIComponent('<script>')}`)).text()
    expect(none).not.toContain('<script>"')
    expect(none).toContain('&lt;script&gt;')
  })
})
