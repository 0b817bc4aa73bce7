// What every admin route file shares: rendering a page for the current session, and answering a form.
import type { Request, Response, NextFunction } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import type { Session } from './admin-sessions.js'
import type { Html } from './html.js'
import { adminPage } from './admin-layout.js'
import { wantsJson } from './request-checks.js'
import { clientIp } from '../html/addresses.js'
import { logger } from '../../services/log.js'
import { isPortalError, type ErrorCode } from '../../services/errors.js'
import { httpStatus } from '../server/error-handler.js'
import { adminTranslator, pickAdminLanguage, type AdminTranslator } from '../i18n/admin-language.js'
import { errorText } from '../i18n/error-text.js'
import type { AdminKey } from '../i18n/admin-strings.js'
import { sentValues, type FormState } from './form-state.js'

const log = logger('admin')

/** What a form says once it succeeded: a key of the organiser's table, with its `{name}` placeholders. */
export type Said = AdminKey | [AdminKey, Record<string, string | number>]

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

  /** The organiser's language: the visitor pages' `lang` cookie (their switcher), then Accept-Language. */
  tr (res: Response): AdminTranslator {
    const locals = res.locals as { adminTr?: AdminTranslator }
    locals.adminTr ??= pickAdminLanguage(res.req)
    return locals.adminTr
  }

  render (res: Response, title: string, body: Html, status = 200): void {
    const s = res.locals.adminSession as Session | undefined
    const flash = s?.flash ?? null
    if (s) s.flash = null
    res.status(status).type('html').send(adminPage({ title, body, csrf: s?.csrf, flash, admin: s?.admin === true, nodeName: this.ctx.config.name, tr: this.tr(res), here: res.req.originalUrl }))
  }

  /**
   * A form came back with a mistake. Scripts get the JSON error as before; a browser gets the same page again
   * (`show`), with what was typed and the message next to `field` (or the field the error names), with the
   * error's status. Errors that are not about the form (a lost token, a full disk, a wait) keep their own page,
   * except the server-side codes in `also` (a Wi-Fi network that refused the join is about what was typed).
   */
  async retry (req: Request, res: Response, err: unknown, form: string, field: string, show: (f: FormState, status: number) => unknown, also: ErrorCode[] = []): Promise<void> {
    const status = httpStatus(err)
    if (wantsJson(req) || !isPortalError(err) || status === 403 || status === 429 || (status >= 500 && !also.includes(err.code))) throw err
    const named = typeof err.details.field === 'string' ? err.details.field : field
    await show({ form, field: named, error: errorText(err, this.tr(res)), values: sentValues(req.body) }, status)
  }

  /**
   * A form succeeded: JSON for scripts, otherwise a 303 to the page to show, with a one-time message. Both in
   * the organiser's language; the journal line in English.
   */
  done (req: Request, res: Response, said: Said, to: string, extra: Record<string, unknown> = {}): void {
    const [key, vars] = typeof said === 'string' ? [said, undefined] : said
    const text = this.tr(res).t(key, vars)
    // One journal line per change the organiser made, so "who deleted that?" has an answer.
    log.info(`${adminTranslator('en').t(key, vars)} (from ${clientIp(req)})`)
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
