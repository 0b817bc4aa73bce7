// The admin pages in real headless Chromium at phone size: accessible (axe-core), usable at 320 px, working
// with JavaScript off (plain form posts and 303s), folder uploads, and screenshots for review.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { launchBrowser } from '../helpers/browser.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { seriousViolations } from '../helpers/axe.js'

const SHOTS = path.resolve('test-results/screenshots')
const PHONE = { width: 360, height: 740 }
const PASSWORD = 'pages password'

let n: TestNode
let browser: Browser
let key: string

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  const dir = await tempDir('p2p-pw-')
  fs.writeFileSync(path.join(dir, 'pw'), PASSWORD)
  n = await startTestNode([['name', 'Library Pi'], ['admin-password-file', path.join(dir, 'pw')]])
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await n?.close()
  await removeTempDirs()
})

async function loggedIn (opts: { javaScriptEnabled?: boolean, width?: number } = {}): Promise<{ ctx: BrowserContext, page: Page }> {
  const ctx = await browser.newContext({ viewport: { ...PHONE, width: opts.width ?? PHONE.width }, isMobile: true, hasTouch: true, javaScriptEnabled: opts.javaScriptEnabled ?? true })
  const page = await ctx.newPage()
  await page.goto(n.url + '/admin/login')
  await page.fill('input[name=password]', PASSWORD)
  await page.click('button:has-text("Log in")')
  await page.waitForURL(n.url + '/admin')
  return { ctx, page }
}

describe('admin pages in Chromium', () => {
  it('work with JavaScript off: create a drive and upload through the plain forms', async () => {
    const { ctx, page } = await loggedIn({ javaScriptEnabled: false })
    await page.fill('input[name=title]', 'No-script drive')
    await page.click('button:has-text("Create drive")')
    await page.waitForURL(/\/admin\/drives\/[a-z0-9]{52}$/)
    key = page.url().split('/').pop()!
    await page.setInputFiles('input[name=files]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('plain form upload') })
    await page.click('button:has-text("Upload")')
    await page.waitForURL(n.url + `/admin/drives/${key}`)
    expect(await page.textContent('.flash')).toMatch(/1 file\(s\) published/)
    expect(await (await fetch(`${n.url}/d/${key}/notes.txt`)).text()).toBe('plain form upload')
    await ctx.close()
  })

  it('upload a whole folder (webkitdirectory), keeping its sub-folders', async () => {
    const dir = path.join(await tempDir('p2p-folder-'), 'album')
    fs.mkdirSync(path.join(dir, 'day 1'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'day 1', 'a.txt'), 'A')
    fs.writeFileSync(path.join(dir, 'b.txt'), 'B')
    const { ctx, page } = await loggedIn()
    await page.goto(`${n.url}/admin/drives/${key}`)
    await page.setInputFiles('input[name=folder]', dir)
    await page.click('button:has-text("Upload")')
    await page.waitForFunction(() => /Done: 2 file/.test(document.querySelector('[data-status]')?.textContent ?? ''))
    expect(await (await fetch(`${n.url}/d/${key}/album/day%201/a.txt`)).text()).toBe('A')
    expect(await (await fetch(`${n.url}/d/${key}/album/b.txt`)).text()).toBe('B')
    await ctx.close()
  })

  for (const [name, url] of [['admin-overview', '/admin'], ['admin-drive', '/admin/drives/KEY'], ['admin-wifi', '/admin/wifi'], ['admin-usb', '/admin/usb'], ['admin-block', '/admin/drives/KEY/block']] as const) {
    it(`${name}: axe-core finds no serious or critical violation, nothing overflows 320 px, a screenshot is saved`, async () => {
      const { ctx, page } = await loggedIn({ width: 320 })
      await page.goto(n.url + url.replace('KEY', key))
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
      expect(await seriousViolations(page)).toEqual([])
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
      await ctx.close()
    })
  }

  it('the login page is accessible too', async () => {
    const ctx = await browser.newContext({ viewport: PHONE })
    const page = await ctx.newPage()
    await page.goto(n.url + '/admin/login')
    await page.screenshot({ path: path.join(SHOTS, 'admin-login.png'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    await ctx.close()
  })
})
