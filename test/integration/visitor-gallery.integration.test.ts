// What a visitor meets (issue 11) in real headless Chromium at phone size: photos as a grid of thumbnails,
// previous/next by link, swipe and arrow keys, the same without JavaScript, video posters, a folder opened as
// a website with its way back, the drive page and search snippets; axe-core and screenshots for each.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { sampleDrive, put } from '../helpers/portal-drive.js'
import { hasFfmpeg, makeJpeg, makeWebm } from '../helpers/sample-media.js'
import { seriousViolations } from '../helpers/axe.js'

const SHOTS = path.resolve('test-results/screenshots')
const PHONE = { width: 360, height: 740 }
const PHOTOS = 30

let t: TestNode
let key: string
let browser: Browser
let ctx: BrowserContext

const photo = (i: number) => `/gallery/photo%20${i}.jpg`

beforeAll(async () => {
  if (!hasFfmpeg()) throw new Error('these specs need ffmpeg (apt-get install ffmpeg) for the video poster')
  fs.mkdirSync(SHOTS, { recursive: true })
  t = await startTestNode([['name', 'Library Pi']])
  const d = await sampleDrive(t)
  key = d.id
  // Each photo different, so a grid of identical thumbnails cannot hide a mix-up.
  for (let i = 1; i <= PHOTOS; i++) await put(d, `/gallery/photo ${i}.jpg`, await makeJpeg(1200 + i * 8, 900))
  await put(d, '/gallery/about.txt', 'Photos from the festival.')
  await put(d, '/guide/index.html', '<!doctype html><html lang="en"><title>Guide</title><h1>Folder site</h1><p>Welcome to the guide.</p>')
  await put(d, '/docs/schedule.md', '# Schedule\n\n| Day | Talk |\n| --- | --- |\n| Monday | Zebras at dawn |\n| Tuesday | Giraffes |\n')
  const video = path.join(await tempDir('p2p-video-'), 'walk.webm')
  makeWebm(video, 4)
  await put(d, '/films/walk.webm', fs.readFileSync(video))
  await d.refresh()
  browser = await launchBrowser()
  ctx = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
})

afterAll(async () => {
  await browser?.close()
  await t?.close()
  await removeTempDirs()
})

/** Opens a page and records the path and query of every request it makes. */
async function open (url: string, c: BrowserContext = ctx): Promise<{ page: Page, requests: string[] }> {
  const page = await c.newPage()
  const requests: string[] = []
  page.on('request', (r) => { const u = new URL(r.url()); requests.push(u.pathname + u.search) })
  await page.goto(url, { waitUntil: 'load' })
  return { page, requests }
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

describe('photos as a gallery, at 360×740', () => {
  it('a folder of 30 photos is a grid of thumbnails: several per row, no full-size file loaded, even scrolled to the end', async () => {
    const { page, requests } = await open(`${t.url}/drive/${key}/gallery/`)
    const cells = page.locator('ul.grid li')
    expect(await cells.count()).toBe(PHOTOS)
    const tops = await cells.evaluateAll(li => li.map(el => Math.round(el.getBoundingClientRect().top)))
    const perRow = tops.filter(y => y === tops[0]).length
    expect(perRow).toBeGreaterThanOrEqual(3)
    // Thirty photos in rows: far shorter than a list of thirty 65 px rows.
    const height = await page.evaluate(() => document.querySelector('ul.grid')!.getBoundingClientRect().height)
    expect(height).toBeLessThan(Math.ceil(PHOTOS / perRow) * 130)
    expect(await seriousViolations(page)).toEqual([])
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('ul.grid img')].every(i => i.complete && i.naturalWidth > 0))
    await shot(page, 'gallery-grid')
    const thumbs = requests.filter(r => r.startsWith(`/thumb/${key}/gallery/`))
    expect(thumbs.length).toBe(PHOTOS)
    for (const r of thumbs) expect(r).toMatch(/\?size=medium$/)
    expect(requests.filter(r => r.startsWith('/d/'))).toEqual([])
    await page.close()
  })

  it('an image page shows the large thumbnail with previous and next links in folder order; tapping opens the full file', async () => {
    const { page, requests } = await open(`${t.url}/drive/${key}${photo(2)}`)
    expect(requests.filter(r => r.startsWith('/d/'))).toEqual([])
    expect(requests).toContain(`/thumb/${key}${photo(2)}?size=large`)
    await shot(page, 'gallery-photo')
    expect(await seriousViolations(page)).toEqual([])
    await page.click('a[rel=next]')
    await page.waitForURL(`**${photo(3)}`)
    await page.click('a[rel=prev]')
    await page.waitForURL(`**${photo(2)}`)
    await page.click('a.photo')
    await page.waitForURL(`**/d/${key}${photo(2)}`)
    expect(requests).toContain(`/d/${key}${photo(2)}`)
    await page.close()
  })

  it('a swipe on a touch screen goes to the next photo (leftwards) and back (rightwards)', async () => {
    const { page } = await open(`${t.url}/drive/${key}${photo(5)}`)
    const cdp = await ctx.newCDPSession(page)
    const swipe = async (from: number, to: number) => {
      const box = (await page.locator('a.photo img').boundingBox())!
      const y = box.y + box.height / 2
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from, y }] })
      for (let i = 1; i <= 5; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: from + (to - from) * i / 5, y: y + i }] })
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
    }
    await Promise.all([page.waitForURL(`**${photo(6)}`), swipe(300, 60)])
    await page.waitForLoadState('load')
    await Promise.all([page.waitForURL(`**${photo(5)}`), swipe(60, 300)])
    await page.close()
  })

  it('the arrow keys on a laptop go to the next and previous photo, mirrored in Arabic', async () => {
    const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const { page } = await open(`${t.url}/drive/${key}${photo(10)}`, laptop)
    await Promise.all([page.waitForURL(`**${photo(11)}`), page.keyboard.press('ArrowRight')])
    await page.waitForLoadState('load')
    await Promise.all([page.waitForURL(`**${photo(10)}`), page.keyboard.press('ArrowLeft')])
    await laptop.close()
    const arabic = await browser.newContext({ viewport: PHONE, locale: 'ar', extraHTTPHeaders: { 'Accept-Language': 'ar' } })
    const ar = await open(`${t.url}/drive/${key}${photo(10)}`, arabic)
    await shot(ar.page, 'gallery-photo-ar')
    expect(await seriousViolations(ar.page)).toEqual([])
    await Promise.all([ar.page.waitForURL(`**${photo(11)}`), ar.page.keyboard.press('ArrowLeft')])
    await arabic.close()
  })

  it('without JavaScript the grid and the previous/next links still work', async () => {
    const c = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    const { page, requests } = await open(`${t.url}/drive/${key}/gallery/`, c)
    expect(await page.locator('ul.grid img').count()).toBe(PHOTOS)
    await shot(page, 'gallery-grid-nojs')
    await page.click(`ul.grid a[href="/drive/${key}${photo(1)}"]`)
    await page.waitForURL(`**${photo(1)}`)
    expect(await page.locator('a[rel=prev]').count()).toBe(0)
    await page.click('a[rel=next]')
    await page.waitForURL(`**${photo(2)}`)
    expect(await page.locator('a[rel=next]').evaluate(a => a.tagName)).toBe('A')
    expect(requests.filter(r => r.startsWith('/d/'))).toEqual([])
    await c.close()
  })
})

describe('videos, websites, the drive page and search, at 360×740', () => {
  it('a video shows its poster frame in the folder listing and on its page, and its duration', async () => {
    const list = await open(`${t.url}/drive/${key}/films/`)
    await list.page.waitForFunction(() => { const i = document.querySelector<HTMLImageElement>('.list .icon img'); return !!i && i.complete && i.naturalWidth > 0 })
    await shot(list.page, 'video-folder')
    expect(await seriousViolations(list.page)).toEqual([])
    await list.page.close()
    const { page, requests } = await open(`${t.url}/drive/${key}/films/walk.webm`)
    expect(await page.locator('video').getAttribute('poster')).toBe(`/thumb/${key}/films/walk.webm?size=large`)
    expect(requests).toContain(`/thumb/${key}/films/walk.webm?size=large`)
    await expect.poll(() => page.locator('.facts').textContent()).toMatch(/Duration: 0:0[34]/)
    await shot(page, 'video-page')
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  })

  it('a folder with index.html opens as a website in a frame from the content port, with a way back', async () => {
    const { page } = await open(`${t.url}/drive/${key}/guide/`)
    await page.click('text=Open as website')
    await page.waitForURL(`**/site/${key}/guide/`)
    const frame = page.frameLocator('iframe.site')
    await expect.poll(() => frame.locator('h1').textContent()).toBe('Folder site')
    // The site runs in an opaque origin: it cannot reach into the portal page around it.
    const reach = await page.frames()[1].evaluate(() => { try { return String(window.parent.document.title) } catch { return 'blocked' } })
    expect(reach).toBe('blocked')
    await shot(page, 'site-frame')
    expect(await seriousViolations(page)).toEqual([])
    await page.click('text=Back to the library')
    await page.waitForURL(`**/drive/${key}/guide/`)
    await page.close()
  })

  it('the drive page shows its description and publisher; a Markdown table is a table; search shows snippets', async () => {
    const drive = await open(`${t.url}/drive/${key}/`)
    expect(await drive.page.locator('main .desc').textContent()).toBe('Talks, photos and the programme')
    expect(await drive.page.locator('main').textContent()).toContain('Published by Library Pi')
    await shot(drive.page, 'drive-page')
    expect(await seriousViolations(drive.page)).toEqual([])
    await drive.page.close()
    const md = await open(`${t.url}/drive/${key}/docs/schedule.md`)
    expect(await md.page.locator('.text table td').first().textContent()).toBe('Monday')
    await shot(md.page, 'markdown-table')
    expect(await seriousViolations(md.page)).toEqual([])
    await md.page.close()
    const search = await open(`${t.url}/search?q=zebras`)
    expect(await search.page.locator('.hits mark').first().textContent()).toMatch(/zebras/i)
    await shot(search.page, 'search-snippets')
    expect(await seriousViolations(search.page)).toEqual([])
    await search.page.close()
  })
})
