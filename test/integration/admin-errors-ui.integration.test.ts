// Issue 11 in real Chromium: what the admin page's script shows when an upload is refused, and an inline form
// error with the input kept, in Arabic (right to left) and Spanish. Screenshots go to test-results/screenshots.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { launchBrowser } from '../helpers/browser.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { seriousViolations } from '../helpers/axe.js'

const SHOTS = path.resolve('test-results/screenshots')
const PASSWORD = 'errors ui password'

let n: TestNode
let browser: Browser

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
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

/** Logged in at phone size in `locale`, on a new drive's page. */
async function onNewDrive (locale: string, title: string): Promise<{ ctx: BrowserContext, page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale })
  const page = await ctx.newPage()
  await page.goto(n.url + '/admin/login')
  await page.fill('input[name=password]', PASSWORD)
  await page.click('form[action="/admin/login"] button')
  await page.waitForURL(n.url + '/admin')
  await page.fill('form[action="/admin/drives"] input[name=title]', title)
  await page.click('form[action="/admin/drives"] button')
  await page.waitForURL(/\/admin\/drives\/[a-z0-9]{52}$/)
  return { ctx, page }
}

const statusText = (page: Page) => page.locator('[data-status]').textContent()

describe('refused uploads and form errors in the organiser’s language (issue 11)', () => {
  it('ar: the upload script says no file was chosen, then that the folder is reserved, in Arabic', async () => {
    const { ctx, page } = await onNewDrive('ar', 'أخطاء')
    expect(await page.getAttribute('html', 'dir')).toBe('rtl')
    await page.click('form[data-upload] button')
    await page.locator('[data-status]', { hasText: 'اختر ملفًا واحدًا على الأقل لرفعه.' }).waitFor()
    expect(await page.locator('form[data-upload] button').isDisabled()).toBe(false)

    await page.fill('form[data-upload] input[name=dir]', '/.p2p-portal')
    await page.setInputFiles('input[name=files]', { name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
    await page.click('form[data-upload] button')
    await page.locator('[data-status]', { hasText: 'هذا المجلد محجوز للبوابة نفسها.' }).waitFor()
    expect(await statusText(page)).toBe('هذا المجلد محجوز للبوابة نفسها.')
    expect(await page.locator('form[data-upload] progress').isHidden()).toBe(true)
    await page.screenshot({ path: path.join(SHOTS, 'admin-upload-error-ar.png'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    await ctx.close()
  })

  it('es: a file renamed to a name that exists: the reason next to the new name, which is kept', async () => {
    const { ctx, page } = await onNewDrive('es', 'Errores')
    await page.setInputFiles('input[name=files]', [
      { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('a') },
      { name: 'b.txt', mimeType: 'text/plain', buffer: Buffer.from('b') }
    ])
    // Once published, the page reloads itself.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 })
    await page.click('form[data-upload] button')
    await reloaded
    expect(await page.locator('form[action$="/rename"]').count()).toBe(2)
    const rename = page.locator('form[action$="/rename"]', { has: page.locator('input[name=from][value="/a.txt"]') })
    await rename.locator('xpath=ancestor::details').locator('summary').click()
    await rename.locator('input[name=to]').fill('/b.txt')
    await Promise.all([page.waitForURL(/\/rename$/), rename.locator('button').click()])
    const input = page.locator('form[action$="/rename"]:has(input[name=from][value="/a.txt"]) input[name=to]')
    expect(await input.inputValue()).toBe('/b.txt')
    expect(await input.getAttribute('aria-invalid')).toBe('true')
    const described = await input.getAttribute('aria-describedby')
    expect(await page.locator(`[id="${described}"]`).textContent()).toBe('/b.txt ya existe: bórralo primero o elige otro nombre.')
    await page.screenshot({ path: path.join(SHOTS, 'admin-rename-error-es.png'), fullPage: true })
    await ctx.close()
  })
})
