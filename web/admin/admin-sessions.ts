// Admin sessions, in memory (a restart logs the organiser out, which is fine on a Pi). Every visitor of
// /admin gets a session with a CSRF token, so even the login form is protected; logging in replaces it
// with a fresh id (no session fixation). Cookies: HttpOnly, SameSite=Strict, Path=/admin.
import crypto from 'node:crypto'
import type { Request, Response } from 'express'

export const COOKIE = 'p2p_admin'
const ANON_IDLE_MS = 30 * 60_000
const ADMIN_IDLE_MS = 2 * 60 * 60_000
const ADMIN_MAX_MS = 12 * 60 * 60_000
const MAX_SESSIONS = 500

export interface Flash { kind: 'ok' | 'error', text: string }

export interface Session {
  id: string
  csrf: string
  admin: boolean
  createdAt: number
  seenAt: number
  flash: Flash | null
}

export interface AdminSessionsOptions { now?: () => number }

export class AdminSessions {
  private readonly sessions = new Map<string, Session>()
  private readonly now: () => number

  constructor (opts: AdminSessionsOptions = {}) {
    this.now = opts.now ?? Date.now
  }

  /** The request's live session, if its cookie names one. */
  find (req: Request): Session | null {
    const id = readCookie(req.headers.cookie, COOKIE)
    if (!id) return null
    const s = this.sessions.get(id)
    if (!s) return null
    const now = this.now()
    if (this.expired(s, now)) { this.sessions.delete(id); return null }
    s.seenAt = now
    return s
  }

  /** The request's session, or a new anonymous one (cookie set on `res`). */
  ensure (req: Request, res: Response): Session {
    return this.find(req) ?? this.start(res, false)
  }

  /** A new session replacing the old one (login, logout). */
  start (res: Response, admin: boolean, old?: Session | null): Session {
    if (old) this.sessions.delete(old.id)
    if (this.sessions.size >= MAX_SESSIONS) this.sweep()
    const now = this.now()
    const s: Session = { id: token(), csrf: token(), admin, createdAt: now, seenAt: now, flash: old?.flash ?? null }
    this.sessions.set(s.id, s)
    res.append('Set-Cookie', `${COOKIE}=${s.id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((admin ? ADMIN_MAX_MS : ANON_IDLE_MS) / 1000)}`)
    return s
  }

  end (res: Response, s: Session | null): void {
    if (s) this.sessions.delete(s.id)
    res.append('Set-Cookie', `${COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0`)
  }

  /** Logs every session out (the password changed). */
  endAll (): void { this.sessions.clear() }

  /** Constant-time comparison of a submitted CSRF token with the session's. */
  static csrfMatches (s: Session, submitted: unknown): boolean {
    if (typeof submitted !== 'string' || submitted.length === 0 || submitted.length > 200) return false
    const a = crypto.createHash('sha256').update(submitted).digest()
    const b = crypto.createHash('sha256').update(s.csrf).digest()
    return crypto.timingSafeEqual(a, b)
  }

  private expired (s: Session, now: number): boolean {
    if (s.admin) return now - s.seenAt > ADMIN_IDLE_MS || now - s.createdAt > ADMIN_MAX_MS
    return now - s.seenAt > ANON_IDLE_MS
  }

  private sweep (): void {
    const now = this.now()
    for (const [id, s] of this.sessions) if (this.expired(s, now)) this.sessions.delete(id)
    // Anonymous sessions are cheap to make: under a flood, drop the oldest of them, never a logged-in one.
    for (const [id, s] of this.sessions) {
      if (this.sessions.size < MAX_SESSIONS) break
      if (!s.admin) this.sessions.delete(id)
    }
  }
}

function token (): string {
  return crypto.randomBytes(32).toString('base64url')
}

export function readCookie (header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim()
      return /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : null
    }
  }
  return null
}
