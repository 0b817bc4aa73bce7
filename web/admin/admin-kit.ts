// What every admin route file shares: rendering a page for the current session, and answering a form.
import type { Request, Response, NextFunction } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import type { Session } from './admin-sessions.js'
import type { Html } from './html.js'
import { adminPage } from './admin-layout.js'
import { wantsJson } from './request-checks.js'
import { clientIp } from '../html/addresses.js'
import { logger } from '../../services/log.js'

const log = logger('admin')

export const SECURITY_HEADERS: Record<string, string> = {
  // Only the node's own CSS and script; never framed (no clickjacking from a drive page); forms post here only.
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store'
}

export class AdminKit {
  constructor (readonly ctx: NodeContext) {}

  session (res: Response): Session {
    return res.locals.adminSession as Session
  }

  render (res: Response, title: string, body: Html, status = 200): void {
    const s = res.locals.adminSession as Session | undefined
    const flash = s?.flash ?? null
    if (s) s.flash = null
    res.status(status).type('html').send(adminPage({ title, body, csrf: s?.csrf, flash, admin: s?.admin === true, nodeName: this.ctx.config.name }))
  }

  /** A form succeeded: JSON for scripts, otherwise a 303 to the page to show, with a one-time message. */
  done (req: Request, res: Response, text: string, to: string, extra: Record<string, unknown> = {}): void {
    // One journal line per change the organiser made, so "who deleted that?" has an answer.
    log.info(`${text} (from ${clientIp(req)})`)
    if (wantsJson(req)) { res.json({ ok: true, message: text, ...extra }); return }
    const s = res.locals.adminSession as Session | undefined
    if (s) s.flash = { kind: 'ok', text }
    res.redirect(303, to)
  }
}

export function field (req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof v === 'string' ? v : ''
}

type Handler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>

/** Express 5 passes rejections on by itself, but only for handlers it calls directly: keep it explicit. */
export function wrap (fn: Handler) {
  return (req: Request, res: Response, next: NextFunction) => { fn(req, res, next).catch(next) }
}
