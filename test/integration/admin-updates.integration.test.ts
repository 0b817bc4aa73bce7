// The Updates section in real Chromium: in Arabic (right to left), at phone width, axe-core clean, and "Install now"
// working with JavaScript off. The node talks to an in-process update helper (UpdaterServer on a temp root with a
// systemd stand-in) that holds a verified offer and one earlier install. Screenshot: test-results/screenshots.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { launchBrowser } from '../helpers/browser.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'
import { seriousViolations } from '../helpers/axe.js'
import { UpdaterServer } from '../../services/update/updater-server.js'
import { UpdaterClient } from '../../services/update/updater-client.js'
import { releaseKeyOf } from '../../services/update/release-signature.js'
import type { ServiceManager } from '../../services/update/service-manager.js'
import { APP_VERSION } from '../../app/app-version.js'
import { appTree, seedRelease, signedBundle } from '../unit/update-fixtures.js'

const SHOTS = path.resolve('test-results/screenshots')
const PASSWORD = 'organiser password'
const kp = seedKeyPair(Buffer.alloc(32, 5))
const releaseKey = encodeKey(releaseKeyOf(kp.publicKey))
/** systemd as far as the helper can tell: every start succeeds at once. */
const services: ServiceManager = { restart: async () => { /* nothing to restart: the node runs in this process */ }, isActive: async () => true, waitReady: async () => true }

let n: TestNode
let helper: UpdaterServer
let browser: Browser

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  const work = await tempDir('p2p-updates-ui-')
  const root = path.join(work, 'root')
  await seedRelease(root, APP_VERSION, appTree(APP_VERSION))
  fs.symlinkSync(`releases/${APP_VERSION}`, path.join(root, 'current'))
  const spool = path.join(work, 'data', 'updates')
  fs.mkdirSync(spool, { recursive: true })
  const socket = path.join(work, 'updater.sock')
  helper = new UpdaterServer({ installer: { root, services, probationMs: 0 }, releaseKey, spool, path: socket })
  await helper.open()
  await helper.installer.recover()
  // One install in the history, then a newer release waiting.
  const client = new UpdaterClient({ path: socket })
  await client.offer(await signedBundle(spool, '9.1.0', appTree('9.1.0'), kp))
  await client.install()
  await helper.running
  await client.offer(await signedBundle(spool, '9.2.0', appTree('9.2.0'), kp, { notes: 'بحث أسرع، وإصلاحات للترجمة' }))

  fs.writeFileSync(path.join(work, 'pw'), PASSWORD)
  // The organiser chose "only when I press Install now": with the default policy, a run between 03:00 and 05:00
  // (the quiet window) installed 9.2.0 by itself before the page was opened, and nothing was left waiting.
  fs.writeFileSync(path.join(work, 'data', 'settings.json'), JSON.stringify({ updates: { mode: 'manual', start: '03:00', end: '05:00' } }))
  n = await startTestNode([['name', 'مكتبة القرية'], ['data', path.join(work, 'data')], ['admin-password-file', path.join(work, 'pw')],
    ['release-key', releaseKey], ['updater-socket', socket], ['release-import', work]])
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await n?.close()
  await helper?.close()
  await helper?.running
  await removeTempDirs()
})

describe('the Updates section in Chromium', () => {
  async function updatesPage (javaScriptEnabled: boolean) {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'ar', javaScriptEnabled })
    const page = await ctx.newPage()
    await page.goto(n.url + '/admin/login?next=/admin/updates')
    await page.fill('input[name=password]', PASSWORD)
    await page.click('form[action="/admin/login"] button')
    await page.waitForURL(n.url + '/admin/updates')
    return { ctx, page }
  }

  it('in Arabic at 360 px: right to left, translated, the waiting update with its notes, the history, axe-core clean', async () => {
    const { ctx, page } = await updatesPage(true)
    expect(await page.getAttribute('html', 'dir')).toBe('rtl')
    expect(await page.textContent('h1')).toBe('التحديثات')
    expect(await page.locator('h2').allTextContents()).toEqual(['ثبّت الآن', 'الرجوع إلى الإصدار السابق', 'متى يتم التثبيت', 'السجل'])
    expect(await page.textContent('main')).toContain('جاهز للتثبيت: 9.2.0')
    expect(await page.textContent('.notes')).toBe('بحث أسرع، وإصلاحات للترجمة')
    expect(await page.locator('table tr').count()).toBe(2)
    await page.screenshot({ path: path.join(SHOTS, 'admin-updates-ar.png'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await ctx.close()
  })

  it('with JavaScript off, "Install now" is a plain form: the helper installs, and the page says so in Arabic', async () => {
    const { ctx, page } = await updatesPage(false)
    await page.click('form[action="/admin/updates/install"] button')
    await page.waitForURL(n.url + '/admin/updates')
    expect(await page.textContent('.flash')).toContain('جارٍ تثبيت 9.2.0')
    expect((await helper.running)?.outcome).toBe('installed')
    await until(async () => (await n.node.updater!.refresh())?.current === '9.2.0', { what: 'the node to see 9.2.0 installed' })
    await ctx.close()
  })
})
