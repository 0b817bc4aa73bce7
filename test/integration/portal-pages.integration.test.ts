// The visitor pages in real headless Chromium at phone size: accessibility (axe-core), 320 px, JavaScript
// off, the first page's weight and origins, video seeking over Range, the live sun, and screenshots for review.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { recordRanges, seekAndPlay, throttleToPhone } from '../helpers/video-seek.js'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'
import { sampleDrive, put } from '../helpers/portal-drive.js'
import { hasFfmpeg, makeWebm, startsPastMiddle } from '../helpers/sample-media.js'
import { seriousViolations } from '../helpers/axe.js'

const SHOTS = path.resolve('test-results/screenshots')
const PHONE = { width: 360, height: 740 }

let a: TestNode
let b: TestNode
let key: string
let browser: Browser
let ctx: BrowserContext

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  a = await startTestNode([['name', 'Library Pi']])
  const d = await sampleDrive(a)
  key = d.id
  if (!hasFfmpeg()) throw new Error('these specs need ffmpeg (apt-get install ffmpeg) to make a playable video')
  const video = path.join(await tempDir('p2p-video-'), 'clip.webm')
  // 40 s at 2 Mbit/s ≈ 10 MB: a seek to 60 % lands far beyond what the first response can have brought.
  makeWebm(video, 40)
  await put(d, '/media/clip.webm', fs.readFileSync(video))
  await d.refresh()
  browser = await launchBrowser()
  ctx = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
})

afterAll(async () => {
  await browser?.close()
  await b?.close()
  await a?.close()
  await removeTempDirs()
})

async function open (url: string, c: BrowserContext = ctx): Promise<Page> {
  const page = await c.newPage()
  await page.goto(url, { waitUntil: 'load' })
  return page
}

const PAGES: Array<[string, () => string]> = [
  ['home', () => '/'],
  ['folder', () => `/drive/${key}/pics/`],
  ['image', () => `/drive/${key}/pics/plain.jpg`],
  ['video', () => `/drive/${key}/media/clip.webm`],
  ['markdown', () => `/drive/${key}/docs/readme.md`],
  ['search', () => '/search?q=zebras'],
  ['welcome', () => '/welcome']
]

describe('visitor pages in Chromium at phone size', () => {
  for (const [name, url] of PAGES) {
    it(`${name}: axe-core finds no serious or critical violation; a screenshot is saved`, async () => {
      const page = await open(a.url + url())
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
      expect(await seriousViolations(page)).toEqual([])
      await page.close()
    })
  }

  it('the Arabic home page is right-to-left and accessible', async () => {
    const c = await browser.newContext({ viewport: PHONE, locale: 'ar', extraHTTPHeaders: { 'accept-language': 'ar' } })
    const page = await open(a.url + '/', c)
    expect(await page.evaluate(() => [document.documentElement.dir, getComputedStyle(document.body).direction])).toEqual(['rtl', 'rtl'])
    await page.screenshot({ path: path.join(SHOTS, 'home-ar.png'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    await c.close()
  })

  it('in dark mode the home and folder pages are accessible too (contrast)', async () => {
    const c = await browser.newContext({ viewport: PHONE, colorScheme: 'dark' })
    for (const url of ['/', `/drive/${key}/docs/`]) {
      const page = await open(a.url + url, c)
      expect(await seriousViolations(page), url).toEqual([])
      if (url === '/') await page.screenshot({ path: path.join(SHOTS, 'home-dark.png'), fullPage: true })
      await page.close()
    }
    await c.close()
  })

  it('works 320 px wide: nothing wider than the screen', async () => {
    const c = await browser.newContext({ viewport: { width: 320, height: 640 } })
    for (const [name, url] of PAGES) {
      const page = await open(a.url + url(), c)
      const wide = await page.evaluate(() => document.documentElement.scrollWidth)
      expect(wide, name).toBeLessThanOrEqual(320)
      if (name === 'home') await page.screenshot({ path: path.join(SHOTS, 'home-320.png'), fullPage: true })
      await page.close()
    }
    await c.close()
  })

  it('the first page is under 60 KB compressed and requests nothing outside the node', async () => {
    const c = await browser.newContext({ viewport: PHONE })
    const page = await c.newPage()
    const urls: string[] = []
    const sizes: Array<Promise<number>> = []
    page.on('request', (r) => urls.push(r.url()))
    // The SSE stream never finishes; every other response is counted as sent (compressed body + headers).
    page.on('requestfinished', (r) => { sizes.push(r.sizes().then(s => s.responseBodySize + s.responseHeadersSize)) })
    await page.goto(a.url + '/', { waitUntil: 'load' })
    await page.waitForTimeout(1000)
    const bytes = (await Promise.all(sizes)).reduce((x, y) => x + y, 0)
    for (const u of urls) expect(u.startsWith(a.url + '/'), u).toBe(true)
    console.log(`first page: ${urls.length} requests, ${bytes} bytes on the wire`)
    expect(bytes).toBeLessThan(60 * 1024)
    await c.close()
  })

  it('browsing works with JavaScript off: home → drive → folder → file → download link, and search', async () => {
    const c = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    const page = await open(a.url + '/', c)
    await page.getByRole('link', { name: /Browse/ }).first().click()
    await page.getByRole('link', { name: 'docs/' }).click()
    await page.getByRole('link', { name: /readme\.md/ }).click()
    expect(await page.locator('.text strong').textContent()).toBe('water')
    expect(await page.getByRole('link', { name: /Download/ }).getAttribute('href')).toBe(`/d/${key}/docs/readme.md?download`)
    await page.fill('input[name=q]', 'giraffes')
    await page.press('input[name=q]', 'Enter')
    await page.waitForURL(/search\?q=giraffes/)
    expect(await page.locator('.hits a').first().textContent()).toBe('notes.txt')
    await c.close()
  })

  it('plays a video past its middle, seeking through Range requests', async () => {
    const page = await ctx.newPage()
    const ranges = recordRanges(page, 'clip.webm')
    await throttleToPhone(page)
    await page.goto(`${a.url}/drive/${key}/media/clip.webm`)
    const t = await seekAndPlay(page, 0.6)
    expect(t.time).toBeGreaterThan(t.duration / 2)
    expect(ranges.some(r => r.status === 206 && startsPastMiddle(r.contentRange, 0.4)), JSON.stringify(ranges)).toBe(true)
    await page.close()
  })

  it('image previews load the thumbnail, not the full-size file', async () => {
    const page = await ctx.newPage()
    const got: string[] = []
    page.on('request', (r) => got.push(new URL(r.url()).pathname + new URL(r.url()).search))
    await page.goto(`${a.url}/drive/${key}/pics/`, { waitUntil: 'networkidle' })
    expect(got.filter(u => u.startsWith('/thumb/'))).toHaveLength(3)
    expect(got.filter(u => u.startsWith('/d/'))).toEqual([])
    await page.close()
  })

  it('the sun grows live when a second node starts seeding the drive (SSE)', async () => {
    const page = await open(a.url + '/')
    const sun = page.locator(`[data-key="${key}"] svg.sun`)
    expect(await sun.getAttribute('data-seeders')).toBe('1')
    b = await startTestNode([['name', 'Second Pi']])
    b.node.peers.discovered({ key: a.node.library.nodeKey, host: '127.0.0.1', port: a.node.peers.port } as any)
    await until(async () => await sun.getAttribute('data-seeders') === '2', { timeout: 20_000, what: 'the sun to show 2 seeders' })
    expect(await sun.getAttribute('aria-label')).toBe('Shared by 2 devices')
    expect(await page.locator(`[data-key="${key}"] svg.sun line.on`).count()).toBe(2)
    // The live redraw keeps the size class the page gave it (the nodes holding the drive complete).
    expect((await sun.getAttribute('class'))!.split(' ')).toEqual(expect.arrayContaining(['sun', 'lit', expect.stringMatching(/^holders-[1-4]$/)]))
    await page.screenshot({ path: path.join(SHOTS, 'home-2-seeders.png'), fullPage: true })
    await page.close()
  })
})
