// The whole visit, as a phone lives it, on a LAN of network namespaces with no Internet:
//   "pi"        the node with --captive on port 80, and dnsmasq answering every name with the pi's address;
//   "publisher" a second node sharing a folder with a short video;
//   "phone"     headless Chromium and curl, whose resolv.conf points at the pi (as DHCP would set it).
// The phone probes, lands on the portal, taps Continue, is "online", browses the drive the pi mirrored from the
// publisher, plays the video past its middle over Range requests, and searches.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser, Page } from 'playwright-core'
import { createLan, setNameserver, type Lan, type LanNode } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { launchBrowser } from '../helpers/browser.js'
import { recordRanges, seekAndPlay, throttleToPhone, unthrottle } from '../helpers/video-seek.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'
import { hasFfmpeg, makeWebm, startsPastMiddle } from '../helpers/sample-media.js'
import { PROBE_CASES } from '../helpers/probe-cases.js'

const SHOTS = path.resolve('test-results/screenshots')
const WORD = 'hummingbirds'

let lan: Lan
let pi: LanNode, publisherNs: LanNode, phone: LanNode
let node: NodeProcess
let publisher: NodeProcess
let dnsmasq: ChildProcess
let browser: Browser
let page: Page
let portal: string

beforeAll(async () => {
  if (!hasFfmpeg()) throw new Error('this spec needs ffmpeg (apt-get install ffmpeg) to make a playable video')
  if (!fs.existsSync('/usr/sbin/dnsmasq')) throw new Error('this spec needs dnsmasq (apt-get install dnsmasq)')
  fs.mkdirSync(SHOTS, { recursive: true })
  lan = await createLan({ nodes: 3 })
  ;[pi, publisherNs, phone] = lan.nodes
  portal = `http://${pi.ip}`

  const share = path.join(await tempDir('p2p-share-'), 'Concert')
  // 40 s at 2 Mbit/s ≈ 10 MB, cues first: a seek past the middle is a Range request far beyond the first response.
  makeWebm(path.join(share, 'media', 'clip.webm'), 40)
  fs.writeFileSync(path.join(share, 'programme.md'), `# Programme\n\nA talk about ${WORD} at noon.\n`)

  // Every name the phone asks for is the pi, as the hotspot's dnsmasq drop-in does (address=/#/…).
  dnsmasq = pi.spawn('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--bind-interfaces', `--listen-address=${pi.ip}`, `--address=/#/${pi.ip}`, '--address=/dns.msftncsi.com/131.107.255.255',
    '--user=root', '--pid-file=', '--log-facility=-'])
  setNameserver(phone, pi.ip)
  await until(async () => (await phone.exec('getent', ['hosts', 'connectivitycheck.gstatic.com'])).stdout.startsWith(pi.ip),
    { timeout: 10_000, what: 'dnsmasq to answer the phone' })

  ;[publisher, node] = await Promise.all([
    startNode(publisherNs, { name: 'publisher', share: [share] }),
    startNode(pi, { name: 'Festival Pi', port: 80, args: ['--captive'] })
  ])
  browser = await launchBrowser({ netns: phone.ns })
  page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage()
})

afterAll(async () => {
  await browser?.close()
  await lan?.destroy()
  await removeTempDirs()
})

/** A request from the phone, by name, through its DNS (the pi's dnsmasq): status, headers and body. */
async function probe (url: string): Promise<{ status: number, headers: string, body: string }> {
  const r = await phone.exec('curl', ['-s', '-i', '--max-time', '5', url])
  const cut = r.stdout.indexOf('\r\n\r\n')
  if (r.code !== 0 || cut === -1) throw new Error(`curl ${url} failed (${r.code}): ${r.stderr}`)
  const headers = r.stdout.slice(0, cut)
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0), headers: headers.toLowerCase(), body: r.stdout.slice(cut + 4) }
}

describe('a phone joins the hotspot', () => {
  it('before Continue, every OS probe is sent to the portal (302, no-store)', async () => {
    for (const c of PROBE_CASES) {
      const r = await probe(`http://${c.host}${c.path}`)
      expect(r.status, c.os).toBe(302)
      expect(r.headers, c.os).toContain(`location: ${portal}/welcome`)
      expect(r.headers, c.os).toContain('cache-control: no-store')
    }
  })

  it('the browser opening the Android probe lands on the welcome page, a launch pad to the real browser', async () => {
    await page.goto('http://connectivitycheck.gstatic.com/generate_204')
    expect(page.url()).toBe(`${portal}/welcome`)
    expect(await page.locator('.addr').textContent()).toBe(`${portal}/`)
    expect(await page.locator('.qr svg').count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Copy the address' }).isVisible()).toBe(true)
    await page.screenshot({ path: path.join(SHOTS, 'phone-welcome.png'), fullPage: true })
  })

  it('Continue is a form POST answered 303, and then every OS probe gets its "online" answer', async () => {
    const statuses: number[] = []
    page.on('response', (r) => { if (r.request().method() === 'POST') statuses.push(r.status()) })
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForSelector('text=You are connected.')
    expect(statuses).toEqual([303])
    for (const c of PROBE_CASES) {
      const r = await probe(`http://${c.host}${c.path}`)
      expect(r.status, c.os).toBe(c.status)
      expect(r.body, c.os).toBe(c.body)
      if (c.header) expect(r.headers, c.os).toContain(`${c.header[0]}: ${c.header[1]}`)
    }
    // The probe in the browser itself now succeeds too (a 204 navigation is aborted: the page stays).
    const [res] = await Promise.all([
      page.waitForResponse(r => r.url().endsWith('/generate_204')),
      page.goto('http://connectivitycheck.gstatic.com/generate_204').catch(() => null)
    ])
    expect(res.status()).toBe(204)
  })

  it('browses the drive the pi mirrored from the publisher and plays its video past the middle over Range', async () => {
    await until(async () => {
      const d = driveByTitle(await node.status(), 'Concert')
      return d && d.files === 2 && d.complete
    }, { timeout: 60_000, every: 250, what: 'the pi to mirror the publisher\'s drive' })
    await page.goto(`${portal}/`)
    const card = page.locator('li.card', { hasText: 'Concert' })
    expect(await card.locator('svg.sun').getAttribute('data-seeders')).toBe('2')
    await page.screenshot({ path: path.join(SHOTS, 'phone-home.png'), fullPage: true })
    await card.getByRole('link', { name: /Browse/ }).click()
    await page.getByRole('link', { name: 'media/' }).click()

    const ranges = recordRanges(page, '/clip.webm')
    const cdp = await throttleToPhone(page)
    await page.getByRole('link', { name: /clip\.webm/ }).click()
    await page.waitForURL(/clip\.webm$/)
    await page.waitForSelector('video')
    const t = await seekAndPlay(page, 0.55)
    expect(t.duration).toBeGreaterThan(9)
    expect(t.time).toBeGreaterThan(t.duration / 2)
    expect(ranges.some(r => r.status === 206 && startsPastMiddle(r.contentRange, 0.4)), JSON.stringify(ranges)).toBe(true)
    await page.screenshot({ path: path.join(SHOTS, 'phone-video.png'), fullPage: true })
    await unthrottle(cdp)
  })

  it('searches the text of the mirrored drive', async () => {
    await page.fill('input[name=q]', WORD)
    await page.press('input[name=q]', 'Enter')
    await page.waitForURL(/\/search\?q=/)
    const hit = page.locator('.hits a').first()
    expect(await hit.textContent()).toBe('programme.md')
    await hit.click()
    expect(await page.locator('.text h1').textContent()).toBe('Programme')
    await page.screenshot({ path: path.join(SHOTS, 'phone-search-result.png'), fullPage: true })
  })

  it('other sites typed after Continue still lead to the portal (there is no Internet)', async () => {
    const r = await probe('http://example.com/')
    expect(r.status).toBe(302)
    expect(r.headers).toContain(`location: ${portal}/`)
    expect(dnsmasq.exitCode).toBeNull()
    expect(publisher.proc.exitCode).toBeNull()
  })
})
