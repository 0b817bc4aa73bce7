// What an outside probe of /admin found (issue 14), as specifications: parallel guesses are limited like
// serial ones, no encoding skips the CSRF token, and no phone on the hotspot can keep the organiser out.
// Other devices are other loopback addresses (127.0.0.2, 127.0.0.3): to the node they are distinct clients.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient, type AdminResponse } from '../../helpers/admin-client.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'
import { LoginLimiter } from '../../../web/admin/login-limiter.js'
import { isPortalError } from '../../../services/errors.js'

afterAll(removeTempDirs)

const PHONE = '127.0.0.2'
const ORGANISER = '127.0.0.3'

describe('login attempts sent in parallel', () => {
  it('200 concurrent wrong passwords: at most 5 are checked, the rest get 429 with Retry-After; the organiser, from another address, still logs in', async () => {
    const n = await startAdminNode()
    try {
      const phone = new AdminClient(n.url, { localAddress: PHONE })
      await phone.get('/admin/login')
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => phone.post('/admin/login', { password: `guess ${i}` })))
      const checked = results.filter(r => r.status === 401)
      const refused = results.filter(r => r.status === 429)
      expect(checked.length).toBeGreaterThan(0)
      expect(checked.length).toBeLessThanOrEqual(5)
      expect(refused).toHaveLength(200 - checked.length)
      for (const r of refused) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await phone.login(PASSWORD)).status).toBe(429)
      expect((await new AdminClient(n.url, { localAddress: ORGANISER }).login(PASSWORD)).status).toBe(303)
    } finally {
      await n.close()
    }
  })

  it('a successful login gives back the attempt it cost', () => {
    const l = new LoginLimiter()
    for (let i = 0; i < 4; i++) l.attempt('10.0.0.1')
    l.attempt('10.0.0.1')
    l.succeeded('10.0.0.1')
    for (let i = 0; i < 5; i++) expect(() => l.attempt('10.0.0.1'), `attempt ${i + 1}`).not.toThrow()
    expect(() => l.attempt('10.0.0.1')).toThrow(/from this device/)
  })
})

describe('state-changing requests in any encoding', () => {
  let n: TestNode
  let c: AdminClient
  let key: string
  const calls: string[] = []
  beforeAll(async () => {
    n = await startAdminNode({
      admin: {
        wifi: {
          status: async () => ({ available: false, current: null }),
          scan: async () => { calls.push('scan'); return [] },
          join: async () => { calls.push('join') },
          setHotspot: async () => { calls.push('hotspot') }
        }
      }
    })
    c = new AdminClient(n.url)
    expect((await c.login(PASSWORD)).status).toBe(303)
    key = (await c.post('/admin/drives', { title: 'Mine' }, { accept: 'application/json' })).json().key
    const library = n.node.library
    const setPinned = library.setPinned.bind(library)
    library.setPinned = (k, pinned) => { calls.push(pinned ? 'pin' : 'unpin'); setPinned(k, pinned) }
  })
  afterAll(() => n.close())

  const boundary = '----probe7d1e'
  const bodies: Record<string, (fields: Record<string, string>) => { body?: string, type?: string }> = {
    urlencoded: (f) => ({ body: new URLSearchParams(f).toString(), type: 'application/x-www-form-urlencoded' }),
    multipart: (f) => ({
      body: Object.entries(f).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`,
      type: `multipart/form-data; boundary=${boundary}`
    }),
    json: (f) => ({ body: JSON.stringify(f), type: 'application/json' }),
    'text/plain': (f) => ({ body: new URLSearchParams(f).toString(), type: 'text/plain' }),
    'no body': () => ({})
  }
  const send = (encoding: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<AdminResponse> => {
    const { body, type } = bodies[encoding](fields)
    return c.request('POST', path, body, { origin: c.origin, accept: 'application/json', ...(type ? { 'content-type': type } : {}), ...headers })
  }
  const routes: Array<[string, () => string, Record<string, string>]> = [
    ['pin', () => `/admin/drives/${key}/pin`, {}],
    ['unpin', () => `/admin/drives/${key}/unpin`, {}],
    ['wifi scan', () => '/admin/wifi/scan', {}],
    ['hotspot', () => '/admin/wifi/hotspot', { ssid: 'Evil', password: 'longenough' }],
    ['create drive', () => '/admin/drives', { title: 'Planted' }],
    ['logout', () => '/admin/logout', {}]
  ]

  for (const encoding of Object.keys(bodies)) {
    it(`are refused with 403 without the token, same-origin or not, sent as ${encoding}`, async () => {
      calls.length = 0
      const drivesBefore = n.node.library.list().length
      for (const [what, path, fields] of routes) {
        const res = await send(encoding, path(), fields)
        expect(res.status, `${what} as ${encoding}`).toBe(403)
        expect(res.text, what).toMatch(/security token/)
      }
      expect(calls).toEqual([])
      expect(n.node.library.list().length).toBe(drivesBefore)
      // Still logged in: the logout did not happen.
      expect((await c.get('/admin')).status).toBe(200)
    })
  }

  it('are accepted in any encoding with the token in the X-CSRF-Token header', async () => {
    calls.length = 0
    for (const encoding of Object.keys(bodies)) {
      const res = await send(encoding, `/admin/drives/${key}/pin`, {}, { 'x-csrf-token': c.csrf })
      expect(res.status, encoding).toBe(200)
    }
    expect((await send('multipart', '/admin/wifi/scan', {}, { 'x-csrf-token': c.csrf })).status).toBe(200)
    expect(calls).toEqual([...Object.keys(bodies).map(() => 'pin'), 'scan'])
  })

  it('still take an upload\'s token from its first multipart field', async () => {
    const res = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'a.txt', source: Buffer.from('a') }])
    expect(res.status).toBe(200)
    const refused = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', 'not-the-token']], [{ name: 'b.txt', source: Buffer.from('b') }])
    expect(refused.status).toBe(403)
  })
})

describe('a phone that floods the login page', () => {
  it('600 GETs of /admin/login from one address do not push out the organiser\'s pending login or any logged-in session', async () => {
    const n = await startAdminNode()
    try {
      const loggedIn = new AdminClient(n.url, { localAddress: PHONE })
      expect((await loggedIn.login(PASSWORD)).status).toBe(303)
      const organiser = new AdminClient(n.url, { localAddress: ORGANISER })
      await organiser.get('/admin/login')
      for (let batch = 0; batch < 12; batch++) {
        await Promise.all(Array.from({ length: 50 }, () => new AdminClient(n.url, { localAddress: PHONE }).get('/admin/login')))
      }
      const res = await organiser.post('/admin/login', { password: PASSWORD })
      expect(res.status).toBe(303)
      expect((await organiser.get('/admin')).status).toBe(200)
      expect((await loggedIn.get('/admin')).status).toBe(200)
      // The flooding address itself can still log in: its newest pending session is kept.
      expect((await new AdminClient(n.url, { localAddress: PHONE }).login(PASSWORD)).status).toBe(303)
    } finally {
      await n.close()
    }
  })
})

describe('the login limiter across addresses', () => {
  const MIN = 60_000
  const lockedOut = (l: LoginLimiter, ip: string, local = false): string | null => {
    try { l.check(ip, local); return null } catch (err) {
      if (!isPortalError(err, 'RATE_LIMITED')) throw err
      return err.message
    }
  }

  it('30 failures from address A lock A for 15 minutes, not address B', () => {
    let now = 1_000_000
    const l = new LoginLimiter({ now: () => now })
    for (let i = 0; i < 30; i++) l.failed('10.0.0.1')
    expect(lockedOut(l, '10.0.0.1')).toMatch(/from this device\. Wait 15 minutes/)
    expect(lockedOut(l, '10.0.0.2')).toBeNull()
    now += 15 * MIN + 1
    expect(lockedOut(l, '10.0.0.1')).toBeNull()
  })

  it('five failures each from nine phones lock those nine, not a tenth', () => {
    const l = new LoginLimiter({ now: () => 1_000_000 })
    for (let p = 1; p <= 9; p++) for (let i = 0; i < 5; i++) l.failed(`10.0.0.${p}`)
    expect(lockedOut(l, '10.0.0.9')).toMatch(/from this device/)
    expect(lockedOut(l, '10.0.0.10')).toBeNull()
  })

  it('a real flood (50 failures from 10 or more addresses within 5 minutes) locks every address but the node itself, for 5 minutes', () => {
    let now = 1_000_000
    const l = new LoginLimiter({ now: () => now })
    for (let p = 1; p <= 10; p++) for (let i = 0; i < 5; i++) { l.failed(`10.0.0.${p}`); now += 1000 }
    let err: unknown
    try { l.check('10.0.0.99') } catch (e) { err = e }
    expect(isPortalError(err, 'RATE_LIMITED') && err.message).toMatch(/Too many failed logins on this node/)
    expect(isPortalError(err) && Number(err.details.retryAfterMs)).toBeLessThanOrEqual(5 * MIN)
    expect(lockedOut(l, '127.0.0.1', true)).toBeNull()
    now += 5 * MIN
    expect(lockedOut(l, '10.0.0.99')).toBeNull()
    // The flooders' own locks last their full 15 minutes.
    expect(lockedOut(l, '10.0.0.10')).toMatch(/from this device/)
  })
})

describe('anonymous sessions from many addresses at once', () => {
  it('evict from the addresses holding the most, so a phone with one pending login keeps it, and never a logged-in session', async () => {
    const { AdminSessions } = await import('../../../web/admin/admin-sessions.js')
    const sessions = new AdminSessions()
    const from = (ip: string) => ({ append: () => { /* the cookie header is not read here */ }, req: { socket: { remoteAddress: ip } } }) as any
    const alive = (id: string) => sessions.find({ headers: { cookie: `p2p_admin=${id}` } } as any) !== null
    const organiser = sessions.start(from('10.0.9.1'), false)
    const admin = sessions.start(from('10.0.9.2'), true)
    for (let i = 0; i < 3000; i++) sessions.start(from(`10.1.${i % 200}.1`), false)
    expect(alive(organiser.id)).toBe(true)
    expect(alive(admin.id)).toBe(true)
  })
})
