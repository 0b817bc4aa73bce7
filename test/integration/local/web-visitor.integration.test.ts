import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import zlib from 'node:zlib'
import http from 'node:http'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs, until } from '../../helpers/temp-dir.js'
import { sampleDrive, put } from '../../helpers/portal-drive.js'
import { MAX_STREAMS } from '../../../web/visitor/live-events.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode([['name', 'Library Pi']])
  key = (await sampleDrive(t)).id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const get = (path: string, headers: Record<string, string> = {}) => fetch(t.url + path, { headers, redirect: 'manual' })
const page = async (path: string, headers: Record<string, string> = {}) => (await get(path, headers)).text()

describe('home page', () => {
  it('lists each drive with title, description, size, completeness and a sun of seeders', async () => {
    const html = await page('/')
    expect(html).toContain('<h3 id="d-')
    expect(html).toContain('Festival')
    expect(html).toContain('Talks, photos and the programme')
    expect(html).toMatch(/10 files · <bdi>\d+(\.\d)? KB<\/bdi>/)
    expect(html).toContain('All here')
    expect(html).toMatch(/<svg class="sun holders-1 lit"[^>]*aria-label="Shared by 1 device"/)
    expect(html).toContain(`href="/drive/${key}/"`)
  })

  it('offers a drive with an index.html as a website: the portal\'s frame page around the content port', async () => {
    const html = await page('/')
    expect(html).toContain(`href="/site/${key}/">Open as website`)
    expect(await page(`/site/${key}/`)).toContain(`<iframe class="site" src="${t.contentUrl}/${key}/"`)
  })

  it('shows a QR code of the node address in venue mode', async () => {
    const html = await page('/')
    expect(html).toMatch(/<div class="qr"><svg role="img"/)
  })

  it('loads nothing from outside the node: every src/href is relative or the node itself', async () => {
    const html = await page('/')
    const refs = [...html.matchAll(/(?:src|href|action)="([^"]+)"/g)].map(m => m[1])
    for (const r of refs) expect(r.startsWith('/') || r.startsWith('#') || r.startsWith('data:') || r.startsWith(t.contentUrl), r).toBe(true)
    expect(html).not.toMatch(/@import|url\(http/)
  })

  it('sends a strict CSP and gzips the page; the first page with its CSS and JS stays under 60 KB compressed', async () => {
    const r = await get('/', { 'accept-encoding': 'gzip' })
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'")
    const raw = Buffer.from(await (await fetch(t.url + '/', { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer())
    const gz = zlib.gzipSync(raw).length
    const html = raw.toString()
    let total = gz
    for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) total += zlib.gzipSync(Buffer.from(await (await get(m[1])).arrayBuffer())).length
    expect(total).toBeLessThan(60 * 1024)
  })

  it('serves assets with a year of cache when the version matches', async () => {
    const html = await page('/')
    const css = /href="(\/assets\/portal\.css\?v=\w+)"/.exec(html)![1]
    const r = await get(css)
    expect(r.headers.get('cache-control')).toContain('immutable')
    expect(r.headers.get('content-type')).toContain('text/css')
  })
})

describe('languages', () => {
  it('picks Spanish, French or Arabic from Accept-Language, Arabic right-to-left', async () => {
    expect(await page('/', { 'accept-language': 'es-MX,es;q=0.9' })).toContain('<html lang="es" dir="ltr">')
    expect(await page('/', { 'accept-language': 'de, fr;q=0.5' })).toContain('<html lang="fr" dir="ltr">')
    const ar = await page('/', { 'accept-language': 'ar' })
    expect(ar).toContain('<html lang="ar" dir="rtl">')
    expect(ar).toContain('المشاركة هنا')
    expect(await page(`/drive/${key}/`, { 'accept-language': 'es' })).toContain('<nav class="crumbs" aria-label="Dónde estás">')
    expect(await page(`/drive/${key}/`, { 'accept-language': 'ar' })).toContain('<nav class="crumbs" aria-label="أين أنت">')
  })

  it('the switcher sets a cookie and returns to the same page, which then wins over Accept-Language', async () => {
    const r = await get(`/lang/fr?next=${encodeURIComponent(`/drive/${key}/`)}`)
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe(`/drive/${key}/`)
    const cookie = r.headers.get('set-cookie')!.split(';')[0]
    expect(await page(`/drive/${key}/`, { cookie, 'accept-language': 'es' })).toContain('<html lang="fr"')
  })

  it('the switcher never redirects off the node', async () => {
    for (const next of ['//evil.example/', 'http://evil.example/', '/\\evil.example']) {
      const r = await get(`/lang/es?next=${encodeURIComponent(next)}`)
      expect(r.headers.get('location')).toBe('/')
    }
  })
})

describe('browsing', () => {
  it('lists folders first, then files with sizes; image files as a grid of thumbnails', async () => {
    const html = await page(`/drive/${key}/`)
    expect(html.indexOf('docs/')).toBeLessThan(html.indexOf('index.html'))
    const pics = await page(`/drive/${key}/pics/`)
    expect(pics).toContain(`<img src="/thumb/${key}/pics/camera.jpg?size=medium"`)
    expect(pics).toContain(`/pics/odd%20name%20%231.jpg`)
  })

  it('never shows the node\'s hidden metadata folder', async () => {
    expect(await page(`/drive/${key}/`)).not.toContain('.p2p-portal')
    expect((await get(`/drive/${key}/.p2p-portal/`)).status).toBe(404)
    expect((await get(`/drive/${key}/.p2p-portal/drive.json`)).status).toBe(404)
  })

  it('redirects a folder asked without its slash', async () => {
    const r = await get(`/drive/${key}/docs`)
    expect(r.status).toBe(301)
    expect(r.headers.get('location')).toBe(`/drive/${key}/docs/`)
  })

  it('renders Markdown without raw HTML or javascript: links', async () => {
    const html = await page(`/drive/${key}/docs/readme.md`)
    expect(html).toContain('<strong>water</strong>')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('javascript:')
    expect(html).toContain('&lt;script&gt;')
  })

  it('loads a Markdown file\'s relative images from the drive itself', async () => {
    const d = t.node.library.get(key)!
    await put(d, '/docs/pics.md', '![a map](img/map.png) ![abs](/x.png) ![remote](http://example.com/y.png)')
    const html = await page(`/drive/${key}/docs/pics.md`)
    expect(html).toContain(`<img src="/d/${key}/docs/img/map.png" alt="a map"`)
    expect(html).toContain('<img src="/x.png"')
  })

  it('shows text escaped, video and audio as players on the Range-capable /d/ URL, PDF from the content origin', async () => {
    expect(await page(`/drive/${key}/docs/notes.txt`)).toContain('giraffes &amp; &lt;b&gt;tags&lt;/b&gt;')
    expect(await page(`/drive/${key}/media/talk.webm`)).toMatch(new RegExp(`<video controls playsinline( poster="/thumb/${key}/media/talk.webm\\?size=large")? preload="metadata" src="/d/${key}/media/talk.webm">`))
    expect(await page(`/drive/${key}/media/song.mp3`)).toContain(`<audio controls preload="metadata" src="/d/${key}/media/song.mp3">`)
    expect(await page(`/drive/${key}/docs/guide.pdf`)).toContain(`<iframe src="${t.contentUrl}/${key}/docs/guide.pdf"`)
  })

  it('has a download button on every file page', async () => {
    for (const f of ['docs/notes.txt', 'pics/plain.jpg', 'media/talk.webm', 'index.html']) {
      expect(await page(`/drive/${key}/${f}`)).toContain(`href="/d/${key}/${f}?download" download=`)
    }
    const r = await get(`/d/${key}/docs/notes.txt?download`)
    expect(r.headers.get('content-disposition')).toContain('attachment')
  })

  it('cuts long text previews and says so', async () => {
    const d = t.node.library.get(key)!
    await put(d, '/docs/long.txt', 'word '.repeat(80_000))
    const html = await page(`/drive/${key}/docs/long.txt`)
    expect(html).toContain('Only the beginning is shown')
    expect(html.length).toBeLessThan(300 * 1024)
  })

  it('answers unknown drives, bad keys and bad paths with a page, not a crash', async () => {
    expect((await get(`/drive/${'y'.repeat(52)}/`)).status).toBe(404)
    expect((await get('/drive/not-a-key/')).status).toBe(400)
    expect((await get(`/drive/${key}/nope.txt`)).status).toBe(404)
    expect((await get(`/drive/${key}/a%00b`)).status).toBe(400)
    expect((await page('/drive/not-a-key/')).toString()).toContain('<html')
  })
})

describe('live view', () => {
  it('streams the drives with their seeders and progress over SSE', async () => {
    const ac = new AbortController()
    const r = await fetch(t.url + '/events', { signal: ac.signal })
    expect(r.headers.get('content-type')).toContain('text/event-stream')
    const reader = r.body!.getReader()
    let text = ''
    while (!text.includes('\n\n', text.indexOf('data:'))) text += new TextDecoder().decode((await reader.read()).value)
    ac.abort()
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1])
    expect(data).toContainEqual(expect.objectContaining({ key, seeders: 1, held: true, complete: true }))
  })
})

describe('drives offered nearby', () => {
  it('lists a drive a peer offers but this node does not hold, with its seeders and a Browse link (opened on demand)', async () => {
    const b = await startTestNode([['mirror', 'followed'], ['name', 'Picky Pi']])
    try {
      b.node.peers.discovered({ key: t.node.library.nodeKey, host: '127.0.0.1', port: t.node.peers.port } as any)
      await until(() => b.node.mirror.offered().length > 0, { what: 'the offer' })
      const html = await (await fetch(b.url + '/')).text()
      const near = html.slice(html.indexOf('Nearby, not copied here yet'))
      expect(near).toContain('Festival')
      expect(near).toContain('Shared by 1 device')
      expect(near).toContain('On a device nearby')
      expect(near).toContain(`href="/drive/${key}/"`)
      // A website opens only from a drive held here.
      expect(near).not.toContain(`/site/${key}/`)
      expect(html.indexOf('Nearby, not copied here yet')).toBeGreaterThan(0)
    } finally { await b.close() }
  })
})

describe('live view limits', () => {
  it('refuses live streams beyond its cap with 503, and frees a slot when one closes', async () => {
    const open: AbortController[] = []
    // Held so the garbage collector does not cancel their bodies (undici closes unreferenced streams).
    const held: Response[] = []
    try {
      for (let i = 0; i < MAX_STREAMS; i++) {
        const ac = new AbortController()
        const r = await fetch(t.url + '/events', { signal: ac.signal })
        expect(r.status).toBe(200)
        open.push(ac)
        held.push(r)
      }
      expect((await fetch(t.url + '/events')).status).toBe(503)
      open.pop()!.abort()
      await until(async () => {
        const ac = new AbortController()
        const r = await fetch(t.url + '/events', { signal: ac.signal })
        if (r.status === 200) { open.push(ac); held.push(r); return true }
        return false
      }, { what: 'a free slot' })
    } finally { for (const ac of open) ac.abort() }
  })
})

describe('live view and HEAD', () => {
  it('answers HEAD /events at once, without holding a live-view slot', async () => {
    const ends: Array<Promise<void>> = []
    const requests: http.ClientRequest[] = []
    try {
      for (let i = 0; i < MAX_STREAMS + 10; i++) {
        const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const req = http.request(t.url + '/events', { method: 'HEAD', agent: false }, resolve)
          req.on('error', reject)
          req.setTimeout(5000, () => reject(new Error(`HEAD /events number ${i + 1} got no answer`)))
          req.end()
          requests.push(req)
        })
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-type']).toContain('text/event-stream')
        ends.push(new Promise(resolve => { res.on('end', resolve); res.resume() }))
      }
      const ac = new AbortController()
      const r = await fetch(t.url + '/events', { signal: ac.signal })
      ac.abort()
      expect(r.status).toBe(200)
      await Promise.all(ends)
    } finally { for (const req of requests) req.destroy() }
  })
})
