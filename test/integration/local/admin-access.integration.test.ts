// Who may use /admin: a password must exist (set only on the node itself, or from a file), a session is
// needed, and every state change must come from the admin page with its CSRF token.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'

afterAll(removeTempDirs)

describe('an admin page with no password yet', () => {
  let n: TestNode
  beforeAll(async () => { n = await startAdminNode({ password: null }) })
  afterAll(() => n.close())

  it('offers no default login: from another host name it only explains how to set the password', async () => {
    const c = new AdminClient(n.url)
    const res = await c.get('/admin', { host: 'portal.local' })
    expect(res.status).toBe(403)
    expect(res.text).toMatch(/cannot be set from another device/)
    expect(res.text).not.toMatch(/name="password"/)
    const login = await c.request('POST', '/admin/login', new URLSearchParams({ _csrf: c.csrf, password: '' }).toString(),
      { host: 'portal.local', origin: 'http://portal.local', 'content-type': 'application/x-www-form-urlencoded' })
    expect(login.status).toBe(403)
  })

  it('refuses to set the first password for a request that names the node by a non-loopback host (DNS rebinding)', async () => {
    const c = new AdminClient(n.url)
    await c.get('/admin')
    const res = await c.request('POST', '/admin/setup', new URLSearchParams({ _csrf: c.csrf, password: 'abcdefghij', confirm: 'abcdefghij' }).toString(),
      { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(403)
    expect(fs.existsSync(path.join(n.config.data, 'admin-password.json'))).toBe(false)
  })

  it('lets the node itself (loopback) set it once, stored only as a scrypt hash, and logs in', async () => {
    const c = new AdminClient(n.url)
    const page = await c.get('/admin')
    expect(page.text).toMatch(/Set the organiser password/)
    const short = await c.post('/admin/setup', { password: 'short', confirm: 'short' })
    expect(short.status).toBe(400)
    const res = await c.post('/admin/setup', { password: 'a fine password', confirm: 'a fine password' })
    expect(res.status).toBe(303)
    expect((await c.get('/admin')).text).toMatch(/Overview/)
    const stored = fs.readFileSync(path.join(n.config.data, 'admin-password.json'), 'utf8')
    expect(stored).not.toContain('a fine password')
    expect(JSON.parse(stored)).toMatchObject({ algo: 'scrypt', N: 16384 })
    expect(fs.statSync(path.join(n.config.data, 'admin-password.json')).mode & 0o077).toBe(0)
    const again = await new AdminClient(n.url).login('x'.repeat(9)).then(() => c.post('/admin/setup', { password: 'another one!', confirm: 'another one!' }))
    expect(again.status).toBe(403)
  })
})

describe('logging in', () => {
  let n: TestNode
  beforeAll(async () => { n = await startAdminNode() })
  afterAll(() => n.close())

  it('sends admin pages to the login page without a session', async () => {
    const res = await new AdminClient(n.url).get('/admin/usb')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fusb')
  })

  it('refuses a wrong password with 401 and no admin session', async () => {
    const c = new AdminClient(n.url)
    const res = await c.login('not the password')
    expect(res.status).toBe(401)
    expect(res.text).toMatch(/Wrong password/)
    expect((await c.get('/admin')).status).toBe(303)
  })

  it('sets a fresh HttpOnly, SameSite=Strict, Path=/admin cookie with an expiry on success', async () => {
    const c = new AdminClient(n.url)
    await c.get('/admin/login')
    const before = c.cookie
    const res = await c.post('/admin/login', { password: PASSWORD })
    expect(res.status).toBe(303)
    const cookie = res.headers.getSetCookie().find(s => s.startsWith('p2p_admin='))!
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).toMatch(/; Path=\/admin;/)
    expect(cookie).toMatch(/; Max-Age=\d+/)
    expect(c.cookie).not.toBe(before)
    expect(/p2p_admin=([\w-]+)/.exec(cookie)![1]).toHaveLength(43)
    expect((await c.get('/admin')).status).toBe(200)
  })

  it('logs out: the old cookie no longer opens the admin page', async () => {
    const c = new AdminClient(n.url)
    await c.login(PASSWORD)
    const old = c.cookie
    expect((await c.post('/admin/logout')).status).toBe(303)
    c.cookie = old
    expect((await c.get('/admin')).status).toBe(303)
  })

  it('rate-limits failed logins per client with a clear 429, even for the right password', async () => {
    const local = await startAdminNode()
    try {
      const c = new AdminClient(local.url)
      for (let i = 0; i < 5; i++) expect((await c.login('wrong guess ' + i)).status).toBe(401)
      const res = await c.login(PASSWORD)
      expect(res.status).toBe(429)
      expect(res.text).toMatch(/Too many failed logins from this device\. Wait 15 minutes/)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800)
    } finally {
      await local.close()
    }
  })
})

describe('state-changing requests', () => {
  let n: TestNode
  let c: AdminClient
  beforeAll(async () => {
    n = await startAdminNode()
    c = new AdminClient(n.url)
    expect((await c.login(PASSWORD)).status).toBe(303)
  })
  afterAll(() => n.close())

  const drives = async () => (await (await fetch(n.url + '/api/status')).json()).drives.length

  it('are refused with 403 without the CSRF token', async () => {
    const res = await c.post('/admin/drives', { _csrf: '', title: 'no token' })
    expect(res.status).toBe(403)
    expect(res.text).toMatch(/security token/)
    expect(await drives()).toBe(0)
  })

  it('are refused with 403 with a wrong CSRF token (another session\'s)', async () => {
    const other = new AdminClient(n.url)
    await other.login(PASSWORD)
    const res = await c.post('/admin/drives', { _csrf: other.csrf, title: 'wrong token' })
    expect(res.status).toBe(403)
    expect(await drives()).toBe(0)
  })

  it('are refused with 403 from another origin, a sandboxed page (Origin: null) or with no Origin/Referer', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${Number(new URL(n.url).port) + 1}`]) {
      const res = await c.post('/admin/drives', { title: 'cross' }, { origin })
      expect(res.status, origin).toBe(403)
    }
    const bare = await c.request('POST', '/admin/drives', new URLSearchParams({ _csrf: c.csrf, title: 'bare' }).toString(), { 'content-type': 'application/x-www-form-urlencoded' })
    expect(bare.status).toBe(403)
    expect(await drives()).toBe(0)
  })

  it('are refused with 401 without a session, even with a token', async () => {
    const stranger = new AdminClient(n.url)
    await stranger.get('/admin/login')
    const res = await stranger.post('/admin/drives', { title: 'anon' })
    expect(res.status).toBe(401)
  })

  it('succeed from the admin page with the token (header or field), same-origin Referer accepted', async () => {
    expect((await c.post('/admin/drives', { title: 'ok' })).status).toBe(303)
    const viaHeader = await c.post('/admin/drives', { _csrf: '', title: 'ok2' }, { 'x-csrf-token': c.csrf, accept: 'application/json' })
    expect(viaHeader.status).toBe(200)
    const viaReferer = await c.request('POST', '/admin/drives', new URLSearchParams({ _csrf: c.csrf, title: 'ok3' }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', referer: n.url + '/admin', cookie: c.cookie })
    expect(viaReferer.status).toBe(303)
    expect(await drives()).toBe(3)
  })

  it('admin pages forbid framing and scripts from anywhere but the node', async () => {
    const res = await c.get('/admin')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/)
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })
})

describe('changing the password', () => {
  it('needs the current password, and logs every other session out', async () => {
    const n = await startAdminNode()
    try {
      const me = new AdminClient(n.url)
      const other = new AdminClient(n.url)
      await me.login(PASSWORD)
      await other.login(PASSWORD)
      await me.get('/admin/password')
      expect((await me.post('/admin/password', { current: 'wrong one', password: 'brand new pass', confirm: 'brand new pass' })).status).toBe(401)
      expect((await me.post('/admin/password', { current: PASSWORD, password: 'brand new pass', confirm: 'different pass' })).status).toBe(400)
      expect((await me.post('/admin/password', { current: PASSWORD, password: 'brand new pass', confirm: 'brand new pass' })).status).toBe(303)
      expect((await me.get('/admin')).status).toBe(200)
      expect((await other.get('/admin')).status).toBe(303)
      expect((await new AdminClient(n.url).login(PASSWORD)).status).toBe(401)
      expect((await new AdminClient(n.url).login('brand new pass')).status).toBe(303)
    } finally {
      await n.close()
    }
  })
})

describe('sessions', () => {
  it('after login, go only to an admin page of this node (no open redirect)', async () => {
    const n = await startAdminNode()
    try {
      for (const [next, to] of [['/admin/usb', '/admin/usb'], ['//evil.example/admin', '/admin'], ['https://evil.example', '/admin'], ['/admin/\\evil', '/admin']]) {
        const c = new AdminClient(n.url)
        await c.get('/admin/login')
        const res = await c.post('/admin/login', { password: PASSWORD, next })
        expect(res.headers.get('location'), next).toBe(to)
      }
    } finally {
      await n.close()
    }
  })
})
