// Issue 11, the visitor half: what a phone meets in a drive (gallery, posters, websites, who published it,
// search results with snippets), in memory over loopback.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import path from 'node:path'
import os from 'node:os'
import sharp from 'sharp'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import { sampleDrive, put } from '../../helpers/portal-drive.js'
import { hasFfmpeg, makeJpeg, makeWebm } from '../../helpers/sample-media.js'
import { Thumbnailer } from '../../../services/media/thumbnailer.js'
import { parseDuration, type FrameGrabber } from '../../../services/media/video-frame.js'
import { snippet } from '../../../services/search/snippet.js'
import { folderPage, formatDuration } from '../../../web/visitor/browse-pages.js'
import { translator } from '../../../web/i18n/language.js'
import { LANGUAGES } from '../../../web/i18n/strings.js'
import fs from 'node:fs'
import http from 'node:http'
import { FfmpegFrames } from '../../../services/media/video-frame.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode([['name', 'Library Pi']])
  const d = await sampleDrive(t)
  key = d.id
  const jpeg = await makeJpeg(400, 300)
  for (let i = 1; i <= 12; i++) await put(d, `/album/photo ${i}.jpg`, jpeg)
  await put(d, '/album/notes.txt', 'not a photo')
  await put(d, '/album/sub/inner.jpg', jpeg)
  await put(d, '/site/index.html', '<h1>Folder site</h1>')
  await put(d, '/docs/table.md', '| Day | Talk |\n| --- | --- |\n| Monday | Zebras |\n')
  await d.refresh()
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const get = (p: string, headers: Record<string, string> = {}) => fetch(t.url + p, { headers, redirect: 'manual' })
const page = async (p: string, headers: Record<string, string> = {}) => (await get(p, headers)).text()

describe('photos as a gallery', () => {
  it('shows a folder\'s images as a grid of medium thumbnails, never the photos themselves, other files as a list', async () => {
    const html = await page(`/drive/${key}/album/`)
    const grid = /<ul class="grid"[^>]*>([\s\S]*?)<\/ul>/.exec(html)![1]
    expect(grid.match(/<li>/g)).toHaveLength(12)
    expect(grid).toContain(`<img src="/thumb/${key}/album/photo%201.jpg?size=medium" alt="photo 1.jpg"`)
    expect(grid).not.toContain('/d/')
    // Folder order: numeric, so "photo 2" comes before "photo 10".
    expect(grid.indexOf('photo%202.jpg')).toBeLessThan(grid.indexOf('photo%2010.jpg'))
    const list = /<ul class="list">([\s\S]*?)<\/ul>/.exec(html)![1]
    expect(list).toContain('sub/')
    expect(list).toContain('notes.txt')
    expect(list).not.toContain('photo 1.jpg')
  })

  it('serves the medium thumbnail as a small JPEG', async () => {
    const r = await get(`/thumb/${key}/album/photo%203.jpg?size=medium`)
    expect(r.headers.get('content-type')).toBe('image/jpeg')
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata()
    expect(meta.width).toBe(240)
    expect(meta.height).toBe(240)
  })

  it('gives an image page previous and next links within the folder\'s images, in folder order, as plain links', async () => {
    const mid = await page(`/drive/${key}/album/photo%202.jpg`)
    expect(mid).toContain(`rel="prev" href="/drive/${key}/album/photo%201.jpg"`)
    expect(mid).toContain(`rel="next" href="/drive/${key}/album/photo%203.jpg"`)
    expect(mid).toContain('Photo 2 of 12')
    expect(mid).toContain(`<a class="photo" href="/d/${key}/album/photo%202.jpg"><img src="/thumb/${key}/album/photo%202.jpg?size=large"`)
    const first = await page(`/drive/${key}/album/photo%201.jpg`)
    expect(first).not.toContain('rel="prev"')
    const last = await page(`/drive/${key}/album/photo%2012.jpg`)
    expect(last).not.toContain('rel="next"')
    expect(last).toContain(`rel="prev" href="/drive/${key}/album/photo%2011.jpg"`)
  })

  it('says previous, next and the position in every language, arrows mirrored in Arabic', async () => {
    const words = { en: ['Previous', 'Next', 'Photo 2 of 12'], es: ['Anterior', 'Siguiente', 'Foto 2 de 12'], fr: ['Précédente', 'Suivante', 'Photo 2 sur 12'], ar: ['السابقة', 'التالية', 'الصورة 2 من 12'] }
    for (const [lang, expected] of Object.entries(words)) {
      const html = await page(`/drive/${key}/album/photo%202.jpg`, { 'accept-language': lang })
      for (const w of expected) expect(html).toContain(w)
    }
    expect(await page(`/drive/${key}/album/photo%202.jpg`, { 'accept-language': 'ar' })).toContain('<span aria-hidden="true">→</span> السابقة')
  })
})

describe('websites', () => {
  it('offers "Open as website" on a folder with an index.html, and not on one without', async () => {
    expect(await page(`/drive/${key}/site/`)).toContain(`<a class="btn alt" href="/site/${key}/site/">Open as website`)
    expect(await page(`/drive/${key}/`)).toContain(`href="/site/${key}/">Open as website`)
    expect(await page(`/drive/${key}/album/`)).not.toContain('Open as website')
  })

  it('shows the site in a sandboxed frame from the content port, with a way back to the library', async () => {
    const r = await get(`/site/${key}/site/`)
    expect(r.status).toBe(200)
    const html = await r.text()
    expect(html).toContain(`<iframe class="site" src="${t.contentUrl}/${key}/site/" sandbox="allow-scripts allow-forms allow-popups"`)
    expect(html).not.toContain('allow-same-origin')
    expect(html).not.toContain('allow-top-navigation')
    expect(html).toContain(`href="/drive/${key}/site/"><span aria-hidden="true">←</span> Back to the library`)
    expect(html).toContain(`href="${t.contentUrl}/${key}/site/">Open full screen`)
    expect(r.headers.get('content-security-policy')).toContain(`frame-src ${t.contentUrl}`)
    const file = await page(`/site/${key}/docs/page.html`)
    expect(file).toContain(`src="${t.contentUrl}/${key}/docs/page.html"`)
    expect(file).toContain(`href="/drive/${key}/docs/">`)
  })

  it('answers a frame page for a folder without index.html, a non-HTML file or hidden metadata with 404', async () => {
    expect((await get(`/site/${key}/album/`)).status).toBe(404)
    expect((await get(`/site/${key}/docs/notes.txt`)).status).toBe(404)
    expect((await get(`/site/${key}/.p2p-portal/`)).status).toBe(404)
  })

  it('says back and full screen in every language', async () => {
    const words = { es: 'Volver a la biblioteca', fr: 'Retour à la bibliothèque', ar: 'العودة إلى المكتبة' }
    for (const [lang, w] of Object.entries(words)) expect(await page(`/site/${key}/`, { 'accept-language': lang })).toContain(w)
  })
})

describe('the drive page', () => {
  it('shows the drive\'s description and, for this node\'s own drive, this node as the publisher', async () => {
    const html = await page(`/drive/${key}/`)
    expect(html).toContain('<p class="desc">Talks, photos and the programme</p>')
    expect(html).toContain('Published by Library Pi')
    expect(await page(`/drive/${key}/docs/`)).not.toContain('Published by')
  })

  it('names a connected peer that publishes a mirrored drive, and says "a nearby device" once it is gone', async () => {
    const pub = await startTestNode([['name', 'Publisher Pi']])
    const b = await startTestNode([['name', 'Mirror Pi']])
    try {
      const k = (await sampleDrive(pub, 'Elsewhere')).id
      b.node.peers.discovered({ key: pub.node.library.nodeKey, host: '127.0.0.1', port: pub.node.peers.port, name: 'Publisher Pi' })
      await until(() => b.node.library.get(k)?.snapshot().known, { what: 'the mirrored drive', timeout: 15_000 })
      expect(await (await fetch(`${b.url}/drive/${k}/`)).text()).toContain('Published by Publisher Pi')
      await pub.close()
      await until(() => b.node.peers.peers().length === 0, { what: 'the publisher to go' })
      const html = await (await fetch(`${b.url}/drive/${k}/`)).text()
      expect(html).toContain('Published by a nearby device')
      expect(html).toContain('Talks, photos and the programme')
    } finally { await b.close(); await pub.close() }
  })

  it('says who published it in every language, escaped', () => {
    const words = { en: 'Published by a nearby device', es: 'Publicado por un dispositivo cercano', fr: 'Publié par un appareil à proximité', ar: 'نشره جهاز قريب' }
    for (const lang of LANGUAGES) {
      const html = folderPage(translator(lang), { key: 'k', title: 'T' }, '/', [], false, { about: { description: '<b>x</b>', publisher: null } })
      expect(html).toContain(words[lang])
      expect(html).toContain('&lt;b&gt;x&lt;/b&gt;')
      expect(folderPage(translator(lang), { key: 'k', title: 'T' }, '/', [], false, { about: { description: '', publisher: '<Pi>' } })).toContain('&lt;Pi&gt;')
    }
  })
})

describe('Markdown tables on a file page', () => {
  it('renders a table as a table', async () => {
    const html = await page(`/drive/${key}/docs/table.md`)
    expect(html).toContain('<table>')
    expect(html).toContain('<td>Zebras</td>')
  })
})

describe('search results', () => {
  it('show the kind\'s icon and the words around a match in the text, escaped, the match marked', async () => {
    const html = await page('/search?q=zebras')
    expect(html).toContain('<span class="icon" aria-hidden="true">📝</span>')
    expect(html).toMatch(/<span class="snip">[^<]*Bring \*\*water\*\* for the <mark>zebras<\/mark>\. &lt;script&gt;alert/)
    expect(html).not.toContain('<script>alert')
  })

  it('a snippet is cut around the first match, at whole words, ignoring case and accents', () => {
    const text = 'word '.repeat(50) + 'the Zébra crossing ' + 'tail '.repeat(50)
    const s = snippet(text, ['zebra'])!
    expect(s.match).toBe('Zébra')
    expect(s.before.startsWith('…')).toBe(true)
    expect(s.before.endsWith('word the ')).toBe(true)
    expect(s.after.startsWith(' crossing tail')).toBe(true)
    expect(s.after.endsWith('…')).toBe(true)
    expect(s.before.length + s.after.length).toBeLessThan(180)
    expect(snippet('nothing here', ['zebra'])).toBeUndefined()
    expect(snippet('مكتبة القرية', ['القرية'])!.match).toBe('القرية')
  })
})

describe('video posters', () => {
  it('reads the duration ffmpeg states, and nothing when it says N/A', () => {
    expect(parseDuration('  Duration: 00:01:02.50, start: 0.000000, bitrate: N/A')).toBe(62.5)
    expect(parseDuration('  Duration: N/A, start: 0.000000')).toBeNull()
    expect(formatDuration(62.5)).toBe('1:03')
    expect(formatDuration(3725)).toBe('1:02:05')
  })

  it('makes a poster from the first 4 MB only, once for every size, and caches the duration', async () => {
    const heads: number[] = []
    const frame = await makeJpeg(640, 360)
    const frames: FrameGrabber = { available: async () => true, grab: async (head) => { heads.push(head.length); return { jpeg: frame, duration: 83 } } }
    const th = new Thumbnailer({ dir: await tempDir('p2p-thumbs-'), frames })
    const d = t.node.library.get(key)!
    await put(d, '/media/big.webm', Buffer.alloc(9 * 1024 * 1024, 3))
    expect(await th.duration(d, '/media/big.webm')).toBeNull()
    const small = await th.thumbnail(d, '/media/big.webm', 'small')
    expect((await sharp(small!).metadata()).width).toBe(96)
    const large = await th.thumbnail(d, '/media/big.webm', 'large')
    expect((await sharp(large!).metadata()).width).toBe(640)
    expect(heads).toEqual([4 * 1024 * 1024])
    expect(await th.duration(d, '/media/big.webm')).toBe(83)
  })

  it('has no poster and no duration without ffmpeg, and pages show the neutral icon', async () => {
    const th = new Thumbnailer({ dir: await tempDir('p2p-thumbs-'), frames: { available: async () => false, grab: async () => { throw new Error('never called') } } })
    const d = t.node.library.get(key)!
    expect(await th.thumbnail(d, '/media/talk.webm', 'small')).toBeNull()
    const html = folderPage(translator('en'), { key, title: 'T' }, '/media', [{ name: 'talk.webm', path: '/media/talk.webm', folder: false, size: 10 }], false, { posters: false })
    expect(html).toContain('<svg class="play"')
    expect(html).not.toContain('/thumb/')
    expect(html).not.toContain('🎬')
  })

  it.runIf(hasFfmpeg())('ffmpeg opens nothing but its pipe: a playlist in a drive cannot make it fetch a URL', async () => {
    let asked = 0
    const server = http.createServer((req, res) => { asked++; res.end() })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as { port: number }).port
      const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:${port}/x.ts\n#EXT-X-ENDLIST\n`
      const frame = await new FfmpegFrames().grab(Buffer.from(playlist), 10_000)
      expect(frame.jpeg).toBeNull()
      expect(asked).toBe(0)
    } finally { server.close() }
  })

  it.runIf(hasFfmpeg())('with ffmpeg: the listing and the video page show a real poster, then the duration', async () => {
    const file = path.join(os.tmpdir(), `p2p-visitor-${process.pid}.webm`)
    makeWebm(file, 3)
    const d = t.node.library.get(key)!
    await put(d, '/clips/walk.webm', fs.readFileSync(file))
    fs.rmSync(file, { force: true })
    const list = await page(`/drive/${key}/clips/`)
    expect(list).toContain(`<svg class="play"`)
    expect(list).toContain(`<img src="/thumb/${key}/clips/walk.webm" alt=""`)
    const r = await get(`/thumb/${key}/clips/walk.webm?size=large`)
    expect(r.status).toBe(200)
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata()
    expect(meta.width).toBe(320)
    const video = await page(`/drive/${key}/clips/walk.webm`)
    expect(video).toContain(`poster="/thumb/${key}/clips/walk.webm?size=large"`)
    expect(video).toMatch(/Duration: <bdi>0:0[23]<\/bdi>/)
    expect(await page(`/drive/${key}/clips/`)).toMatch(/<bdi>0:0[23]<\/bdi> · <bdi>/)
  })
})
