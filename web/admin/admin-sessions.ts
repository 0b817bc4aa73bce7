// Admin sessions, in memory (a restart logs the organiser out, which is fine on a Pi). Every visitor of
// /admin gets a session with a CSRF token, so even the login form is protected; logging in replaces it
// with a fresh id (no session fixation). Cookies: HttpOnly, SameSite=Strict, Path=/admin.
// Anonymous sessions cost a stranger one GET each, so they are bounded per client address: a phone that
// asks for the login page again and again only pushes out its own, never the organiser's half-done login
// from another phone, and never a logged-in session.
import crypto from 'node:crypto'
import type { Request, Response } from 'express'
import { clientIp } from '../html/addresses.js'

export const COOKIE = 'p2p_admin'
const ANON_IDLE_MS = 30 * 60_000
const ADMIN_IDLE_MS = 2 * 60 * 60_000
const ADMIN_MAX_MS = 12 * 60 * 60_000
/** A browser's tabs and retries fit; a flood from one address does not. */
const ANON_PER_CLIENT = 20
const MAX_ANON = 2000
/** Only the right password makes these. */
const MAX_ADMIN = 100

export interface Flash { kind: 'ok' | 'error', text: string }

export interface Session {
  id: string
  csrf: string
  admin: boolean
  /** The client address that made it: anonymous sessions are counted per address. */
  ip: string
  createdAt: number
  seenAt: number
  flash: Flash | null
}

export interface AdminSessionsOptions { now?: () => number }

export class AdminSessions {
  private readonly sessions = new Map<string, Session>()
  /** Anonymous session ids per client address, oldest first. */
  private readonly anonByIp = new Map<string, Set<string>>()
  private anonCount = 0
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
    if (this.expired(s, now)) { this.drop(s); return null }
    s.seenAt = now
    return s
  }

  /** The request's session, or a new anonymous one (cookie set on `res`). */
  ensure (req: Request, res: Response): Session {
    return this.find(req) ?? this.start(res, false)
  }

  /** A new session replacing the old one (login, logout). */
  start (res: Response, admin: boolean, old?: Session | null): Session {
    if (old) this.drop(old)
    const now = this.now()
    const ip = res.req ? clientIp(res.req) : ''
    const s: Session = { id: token(), csrf: token(), admin, ip, createdAt: now, seenAt: now, flash: old?.flash ?? null }
    this.makeRoom(s)
    this.sessions.set(s.id, s)
    if (!admin) {
      let mine = this.anonByIp.get(ip)
      if (!mine) this.anonByIp.set(ip, mine = new Set())
      mine.add(s.id)
      this.anonCount++
    }
    res.append('Set-Cookie', `${COOKIE}=${s.id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((admin ? ADMIN_MAX_MS : ANON_IDLE_MS) / 1000)}`)
    return s
  }

  end (res: Response, s: Session | null): void {
    if (s) this.drop(s)
    res.append('Set-Cookie', `${COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0`)
  }

  /** Logs every session out (the password changed). */
  endAll (): void {
    this.sessions.clear()
    this.anonByIp.clear()
    this.anonCount = 0
  }

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

  private drop (s: Session): void {
    if (!this.sessions.delete(s.id) || s.admin) return
    const mine = this.anonByIp.get(s.ip)
    mine?.delete(s.id)
    if (mine?.size === 0) this.anonByIp.delete(s.ip)
    this.anonCount--
  }

  /** Evicts what the new session `s` pushes out: an anonymous one only ever evicts anonymous ones. */
  private makeRoom (s: Session): void {
    if (s.admin) {
      if (this.sessions.size - this.anonCount < MAX_ADMIN) return
      this.sweep()
      for (const old of this.sessions.values()) {
        if (this.sessions.size - this.anonCount < MAX_ADMIN) break
        if (old.admin) this.drop(old)
      }
      return
    }
    const mine = this.anonByIp.get(s.ip)
    if (mine && mine.size >= ANON_PER_CLIENT) this.drop(this.sessions.get(mine.values().next().value!)!)
    if (this.anonCount < MAX_ANON) return
    this.sweep()
    // Many addresses at once: the one holding the most gives up its oldest, so a phone with one session keeps it.
    while (this.anonCount >= MAX_ANON) {
      let most: Set<string> | null = null
      for (const ids of this.anonByIp.values()) if (!most || ids.size > most.size) most = ids
      this.drop(this.sessions.get(most!.values().next().value!)!)
    }
  }

  private sweep (): void {
    const now = this.now()
    for (const s of this.sessions.values()) if (this.expired(s, now)) this.drop(s)
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
