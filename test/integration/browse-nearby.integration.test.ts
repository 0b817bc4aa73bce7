// A phone on node A watches a video that only node B holds, on a LAN of network namespaces with real mDNS:
//   "a"      a node that takes no drive for the region (--mirror followed): it fetches what the phone reads;
//   "b"      a node sharing a folder with a 40 s video;
//   "phone"  headless Chromium, talking to A only.
// The phone opens the card, plays the video past its middle over Range requests; a download is byte-identical;
// A never counts the drive as held; once B is killed, A's page says no holder is reachable.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { createLan, type Lan, type LanNode } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { launchBrowser } from '../helpers/browser.js'
import { seriousViolations } from '../helpers/axe.js'
import { recordRanges, seekAndPlay, throttleToPhone, unthrottle } from '../helpers/video-seek.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'
import { hasFfmpeg, makeWebm, startsPastMiddle } from '../helpers/sample-media.js'

const SHOTS = path.resolve('test-results/screenshots')
let lan: Lan
let aNs: LanNode, bNs: LanNode, phone: LanNode
let a: NodeProcess
let b: NodeProcess
let browser: Browser
let page: Page
let clip: Buffer
let key: string

beforeAll(async () => {
  if (!hasFfmpeg()) throw new Error('this spec needs ffmpeg (apt-get install ffmpeg) to make a playable video')
  fs.mkdirSync(SHOTS, { recursive: true })
  lan = await createLan({ nodes: 3 })
  ;[aNs, bNs, phone] = lan.nodes
  const share = path.join(await tempDir('p2p-share-'), 'Concert')
  // 40 s at 2 Mbit/s ≈ 10 MB, cues first: a seek past the middle is a Range request far beyond the first response.
  makeWebm(path.join(share, 'media', 'clip.webm'), 40)
  clip = fs.readFileSync(path.join(share, 'media', 'clip.webm'))
  ;[b, a] = await Promise.all([
    startNode(bNs, { name: 'holder', share: [share] }),
    startNode(aNs, { name: 'Festival Pi', args: ['--mirror', 'followed'] })
  ])
  key = driveByTitle(await b.status(), 'Concert').key
  await until(async () => (await a.status()).available.some((d: any) => d.key === key), { timeout: 60_000, every: 250, what: 'A to see B\'s drive' })
  browser = await launchBrowser({ netns: phone.ns })
  page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await lan?.destroy()
  await removeTempDirs()
})

describe('a phone on node A and a drive only node B holds', () => {
  it('opens the nearby card and plays its video past the middle over Range', async () => {
    await page.goto(`${a.url}/`)
    const card = page.locator('li.card', { hasText: 'Concert' })
    await card.getByRole('link', { name: /Browse/ }).click()
    await page.waitForURL(new RegExp(`/drive/${key}/$`))
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('link', { name: 'media/' }).click()
    const ranges = recordRanges(page, '/clip.webm')
    const cdp = await throttleToPhone(page)
    await page.getByRole('link', { name: /clip\.webm/ }).click()
    await page.waitForURL(/clip\.webm$/)
    await page.waitForSelector('video')
    const t = await seekAndPlay(page, 0.55)
    expect(t.duration).toBeGreaterThan(30)
    expect(t.time).toBeGreaterThan(t.duration / 2)
    expect(ranges.some(r => r.status === 206 && startsPastMiddle(r.contentRange, 0.4)), JSON.stringify(ranges)).toBe(true)
    await page.screenshot({ path: path.join(SHOTS, 'browse-nearby-video.png'), fullPage: true })
    await unthrottle(cdp)
  }, 180_000)

  it('downloads it byte-identical', async () => {
    const got = await a.fetchFiles(key, ['/media/clip.webm'])
    expect(got['/media/clip.webm']).toMatchObject({ status: 200, bytes: clip.length, sha256: crypto.createHash('sha256').update(clip).digest('hex') })
  }, 120_000)

  it('is not held on A: not in its drives[], and its copies are B\'s alone on both nodes', async () => {
    const st = await a.status()
    expect(st.drives.map((d: any) => d.key)).not.toContain(key)
    expect(st.available.find((d: any) => d.key === key)).toMatchObject({ peers: 1, copies: 1, holders: [(await b.status()).node.key] })
    expect(driveByTitle(await b.status(), 'Concert')).toMatchObject({ copies: 1, peers: 0 })
  })

  it('once B is killed, A\'s page says no holder is reachable, with a 503', async () => {
    await b.kill()
    await until(async () => (await a.status()).peers.length === 0, { timeout: 60_000, every: 250, what: 'A to see B gone' })
    const res = await page.goto(`${a.url}/drive/${key}/media/clip.webm`)
    expect(res?.status()).toBe(503)
    expect(await page.locator('h1').textContent()).toBe('Not reachable right now')
    expect(await page.locator('main').textContent()).toContain('none of them can be reached right now')
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: path.join(SHOTS, 'browse-nearby-gone.png'), fullPage: true })
  }, 120_000)
})
