// The upload form in Chromium as an organiser uses it on a slow link: a second press does not publish the
// same files twice, and leaving the page mid-upload asks first.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { launchBrowser } from '../helpers/browser.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'

const PASSWORD = 'upload ui password'
const MB = 1024 * 1024
let n: TestNode
let browser: Browser

beforeAll(async () => {
  const dir = await tempDir('p2p-pw-')
  fs.writeFileSync(path.join(dir, 'pw'), PASSWORD)
  n = await startTestNode([['admin-password-file', path.join(dir, 'pw')]])
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await n?.close()
  await removeTempDirs()
})

/** Logged in, on a new drive's page, with uploads slowed to ~1 MB/s so one lasts several seconds. */
async function drivePage (title: string): Promise<{ page: Page, key: string, uploads: () => number }> {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
  await page.goto(n.url + '/admin/login')
  await page.fill('input[name=password]', PASSWORD)
  await page.click('button:has-text("Log in")')
  await page.waitForURL(n.url + '/admin')
  await page.fill('input[name=title]', title)
  await page.click('button:has-text("Create drive")')
  await page.waitForURL(/\/admin\/drives\/[a-z0-9]{52}$/)
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 4 * MB, uploadThroughput: 1 * MB })
  let count = 0
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/upload')) count++ })
  return { page, key: page.url().split('/').pop()!, uploads: () => count }
}

describe('the upload form', () => {
  it('a second press during an upload does not send the files again', async () => {
    const { page, key, uploads } = await drivePage('Twice')
    await page.setInputFiles('input[name=files]', { name: 'talk.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(6 * MB, 7) })
    const button = page.locator('form[data-upload] button')
    await button.click()
    await page.waitForFunction(() => /sent|Starting/.test(document.querySelector('[data-status]')!.textContent ?? ''))
    expect(await button.isDisabled()).toBe(true)
    await button.click({ force: true })
    await page.locator('[data-status]', { hasText: 'Done' }).waitFor({ timeout: 120_000 })
    expect(uploads()).toBe(1)
    const d = n.node.library.get(key)!
    const names: string[] = []
    for await (const e of d.localList('/', { recursive: true })) names.push(e.key)
    expect(names.filter(k => !k.startsWith('/.p2p-portal'))).toEqual(['/talk.bin'])
    await page.close()
  })

  it('leaving the page while the upload runs asks first (the page cancels beforeunload), and not once it is done', async () => {
    const { page } = await drivePage('Leaving')
    // What the browser does before it unloads a page: a cancelled beforeunload makes it ask the visitor.
    const leavingIsQuestioned = () => page.evaluate(() => {
      const ev = new Event('beforeunload', { cancelable: true })
      window.dispatchEvent(ev)
      return ev.defaultPrevented
    })
    expect(await leavingIsQuestioned()).toBe(false)
    await page.setInputFiles('input[name=files]', { name: 'long.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(8 * MB, 3) })
    await page.locator('form[data-upload] button').click()
    await page.waitForFunction(() => /sent/.test(document.querySelector('[data-status]')!.textContent ?? ''))
    expect(await leavingIsQuestioned()).toBe(true)
    await page.locator('[data-status]', { hasText: 'Done' }).waitFor({ timeout: 120_000 })
    expect(await leavingIsQuestioned()).toBe(false)
    await page.close()
  })
})
