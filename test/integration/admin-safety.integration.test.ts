// A hostile drive's page must not act with the organiser's authority, even while the organiser is logged in
// to /admin in the same browser: shown in real headless Chromium, for the drive opened as a website on the
// content port (scripts run, sandboxed), as a file on the portal (/d/, scripts must not run), and for a
// same-site page without any sandbox (the CSRF token and the Origin check alone must hold).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Router } from 'express'
import type { Browser, BrowserContext } from 'playwright-core'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { portalWeb } from '../../app/portal-parts.js'
import { launchBrowser } from '../helpers/browser.js'
import { AdminClient } from '../helpers/admin-client.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'

const PASSWORD = 'organiser secret 42'
interface Seen { method: string, path: string, origin: string | undefined, cookie: boolean, status: number }

let n: TestNode
let browser: Browser
let ctx: BrowserContext
let key: string
let victim: string
let foreign: http.Server
let foreignUrl: string
const seen: Seen[] = []

function hostile (portal: string, victimKey: string): string {
  return `<!doctype html><html><head><title>hostile</title></head><body><pre id="out"></pre>
<iframe name="sink"></iframe><iframe id="frame" src="${portal}/admin"></iframe>
<form id="f" method="post" action="${portal}/admin/drives" target="sink"><input name="title" value="pwned-by-form"><input name="_csrf" value="guess"></form>
<script>
document.title = 'running'
const P = ${JSON.stringify(portal)}
const out = []
// Listening before the first await: neither frame can have answered yet.
const loadOf = (el) => new Promise(r => { el.addEventListener('load', r, { once: true }); setTimeout(r, 20000) })
const frameLoaded = loadOf(document.getElementById('frame'))
const sinkLoaded = loadOf(document.getElementsByName('sink')[0])
const attempt = async (name, fn) => { try { out.push(name + ': ' + await fn()) } catch (e) { out.push(name + ': refused (' + e.name + ')') } }
;(async () => {
  await attempt('read /admin', async () => { const r = await fetch(P + '/admin', { credentials: 'include' }); const t = await r.text(); return r.status + (t.includes('_csrf') ? ' GOT-TOKEN' : '') })
  await attempt('read status', async () => { const r = await fetch(P + '/admin/status.json', { credentials: 'include' }); return r.status + ' ' + (await r.text()).slice(0, 40) })
  await attempt('create drive', async () => (await fetch(P + '/admin/drives', { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ title: 'pwned-by-fetch', _csrf: 'guess' }) })).type)
  await attempt('block drive', async () => (await fetch(P + '/admin/drives/${victimKey}/block', { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ confirm: 'yes' }) })).type)
  await attempt('caps', async () => (await fetch(P + '/admin/caps', { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ maxDrive: '1K', maxTotal: '1K' }) })).type)
  await attempt('cookie', async () => JSON.stringify(document.cookie))
  document.getElementById('f').submit()
  await sinkLoaded
  await frameLoaded
  await attempt('frame', async () => document.getElementById('frame').contentDocument ? 'READABLE' : 'not readable')
  document.getElementById('out').textContent = out.join('\\n')
  document.title = 'done'
})()
</script></body></html>`
}

beforeAll(async () => {
  const dir = await tempDir('p2p-pw-')
  await fs.writeFile(path.join(dir, 'pw'), PASSWORD)
  // Records what reaches /admin: where from, and whether the browser sent the admin cookie.
  const recorder = Router()
  recorder.use('/admin', (req, res, next) => {
    const s: Seen = { method: req.method, path: req.path, origin: req.headers.origin, cookie: /p2p_admin=/.test(req.headers.cookie ?? ''), status: 0 }
    res.on('finish', () => { s.status = res.statusCode; seen.push(s) })
    next()
  })
  n = await startTestNode([['admin-password-file', path.join(dir, 'pw')]], {
    web: (c, files) => {
      const p = portalWeb(c, files)
      return { ...p, http: { ...p.http, before: [recorder, ...(p.http?.before ?? [])] } }
    }
  })
  const admin = new AdminClient(n.url)
  expect((await admin.login(PASSWORD)).status).toBe(303)
  victim = (await admin.post('/admin/drives', { title: 'Victim' }, { accept: 'application/json' })).json().key
  key = (await admin.post('/admin/drives', { title: 'Hostile site' }, { accept: 'application/json' })).json().key
  const up = await admin.upload(`/admin/drives/${key}/upload`, [['_csrf', admin.csrf]], [{ name: 'index.html', source: Buffer.from(hostile(n.url, victim)) }])
  expect(up.status).toBe(200)
  foreign = http.createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(hostile(n.url, victim)) })
  await new Promise<void>(resolve => foreign.listen(0, '127.0.0.1', resolve))
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`

  browser = await launchBrowser()
  ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto(n.url + '/admin/login')
  await page.fill('input[name=password]', PASSWORD)
  await page.click('button:has-text("Log in")')
  await page.waitForURL(n.url + '/admin')
  await page.close()
})

afterAll(async () => {
  await browser?.close()
  await new Promise(resolve => foreign?.close(resolve))
  await n?.close()
  await removeTempDirs()
})

/** Opens the hostile page and, unless `wait` is false, waits for its script to finish (title "done"). */
async function run (url: string, wait = true): Promise<{ title: string, out: string }> {
  const page = await ctx.newPage()
  await page.goto(url)
  if (wait) await page.waitForFunction(() => document.title === 'done', null, { timeout: 60_000 }).catch(() => { /* a page that never finishes is judged by its title and #out below */ })
  const res = { title: await page.title(), out: await page.locator('#out').textContent() ?? '' }
  await page.close()
  return res
}

async function untouched (): Promise<void> {
  const titles = n.node.library.list().map(d => d.info.title).sort()
  expect(titles).toEqual(['Hostile site', 'Victim'])
  expect(n.node.library.isBlocked(victim)).toBe(false)
  expect(n.node.mirror.settings.maxTotalBytes).toBeGreaterThan(1024)
}

describe('a hostile drive against an open admin session', () => {
  it('the admin session is really open in this browser (control)', async () => {
    const page = await ctx.newPage()
    const res = await page.goto(n.url + '/admin')
    expect(res!.status()).toBe(200)
    expect(await page.textContent('h1')).toBe('Overview')
    await page.close()
  })

  it('as a website on the content port, its scripts run but cannot read or change anything in /admin', async () => {
    seen.length = 0
    const { title, out } = await run(`${n.contentUrl}/${key}/`)
    console.log(`content-port page:\n${out}`)
    expect(title).toBe('done')
    expect(out).not.toContain('GOT-TOKEN')
    expect(out).not.toContain('READABLE')
    expect(out).toMatch(/read \/admin: refused/)
    expect(out).toMatch(/cookie: refused \(SecurityError\)/)
    const posts = seen.filter(s => s.method === 'POST')
    expect(posts.length).toBeGreaterThanOrEqual(4)
    for (const s of posts) {
      expect(s.origin).toBe('null')
      expect(s.status).toBeGreaterThanOrEqual(400)
    }
    // The opaque sandbox origin is cross-site: SameSite=Strict keeps the admin cookie off every request.
    expect(seen.filter(s => s.cookie)).toEqual([])
    await untouched()
  })

  it('as a file on the portal (/d/), its scripts do not run at all', async () => {
    seen.length = 0
    // goto() returns after the load event: a script allowed to run would have retitled the page by then.
    const { title } = await run(`${n.url}/d/${key}/index.html`, false)
    expect(title).toBe('hostile')
    expect(seen.filter(s => s.method === 'POST')).toEqual([])
    await untouched()
  })

  it('even a same-site page with no sandbox, which does get the cookie, is refused by the CSRF and Origin checks', async () => {
    seen.length = 0
    const { title, out } = await run(foreignUrl)
    console.log(`same-site page:\n${out}`)
    expect(title).toBe('done')
    expect(out).not.toContain('GOT-TOKEN')
    expect(out).not.toContain('READABLE')
    const posts = seen.filter(s => s.method === 'POST')
    expect(posts.length).toBeGreaterThanOrEqual(4)
    for (const s of posts) {
      expect(s.origin).toBe(foreignUrl.slice(0, -1))
      expect(s.status).toBe(403)
    }
    // Another port of the same host is the same site: SameSite alone would not have stopped these.
    expect(posts.some(s => s.cookie)).toBe(true)
    await untouched()
  })
})
