// The admin page's rules that need no node: the login limiter and session expiry (the rest is in
// test/integration/local/admin-access.integration.test.ts).
import { describe, it, expect } from 'vitest'
import { LoginLimiter } from '../../web/admin/login-limiter.js'
import { AdminSessions } from '../../web/admin/admin-sessions.js'
import { isPortalError } from '../../services/errors.js'

describe('the login limiter', () => {
  it('limits the whole node across addresses, but never locks out the node itself', () => {
    let now = 1_000_000
    const l = new LoginLimiter({ perClient: 3, total: 10, windowMs: 60_000, now: () => now })
    for (let i = 0; i < 10; i++) { l.check(`10.0.0.${i}`); l.failed(`10.0.0.${i}`) }
    let err: unknown
    try { l.check('10.0.0.99') } catch (e) { err = e }
    expect(isPortalError(err, 'RATE_LIMITED') && err.message).toMatch(/Too many failed logins on this node/)
    expect(() => l.check('127.0.0.1', true)).not.toThrow()
    now += 61_000
    expect(() => l.check('10.0.0.99')).not.toThrow()
  })
})

describe('sessions', () => {
  it('expire after two idle hours, and after twelve hours in any case', async () => {
    let now = 0
    const sessions = new AdminSessions({ now: () => now })
    const cookies: string[] = []
    const res = { append: (_: string, v: string) => cookies.push(v) } as any
    const s = sessions.start(res, true)
    const req = { headers: { cookie: `p2p_admin=${s.id}` } } as any
    for (let i = 0; i < 11; i++) { now += 60 * 60_000; expect(sessions.find(req), `hour ${i + 1}`).not.toBeNull() }
    now += 61 * 60_000
    expect(sessions.find(req)).toBeNull()
    const t = sessions.start(res, true)
    now += 2 * 60 * 60_000 + 1
    expect(sessions.find({ headers: { cookie: `p2p_admin=${t.id}` } } as any)).toBeNull()
  })
})
