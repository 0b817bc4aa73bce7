// The organiser's /admin: access control first (password, session, CSRF and origin checks), then the pages.
// Nothing here works before a password exists, and the first password can only be set on the node itself.
import express, { Router, type Request, type Response, type NextFunction } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import { BAD_REQUEST, FORBIDDEN, UNAUTHORIZED, isPortalError } from '../../services/errors.js'
import { httpStatus, sendError } from '../server/error-handler.js'
import { logger } from '../../services/log.js'
import { AdminPassword, checkNew } from './admin-password.js'
import { AdminSessions, type Session } from './admin-sessions.js'
import { LoginLimiter } from './login-limiter.js'
import { checkSameOrigin, fromLoopback, loopbackHost, wantsJson } from './request-checks.js'
import { clientIp } from '../html/addresses.js'
import { AdminKit, SECURITY_HEADERS, field, wrap } from './admin-kit.js'
import type { FormState } from './form-state.js'
import { coded } from '../i18n/error-text.js'
import { ADMIN_CSS, ADMIN_JS } from './admin-assets.js'
import { errorBody, loginBody, notSetBody, passwordBody, setupBody } from './auth-pages.js'
import { publishRoutes } from './publish-routes.js'
import { manageRoutes } from './manage-routes.js'
import { wifiRoutes, type WifiControl } from './wifi-routes.js'
import { usbRoutes } from './usb-routes.js'
import { updatesRoutes } from './updates-routes.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { UsbSticks } from '../../services/publish/usb-sticks.js'
import { NetdClient } from '../../services/netd/netd-client.js'
import type { Part } from '../../services/lifecycle/part-list.js'

const log = logger('admin')

// The upload route's path under /admin (Express matches `/drives/:key/upload` in any case, with a trailing
// slash). No other route answers a POST to such a path, so a multipart POST let through here meets the
// upload's own token check or none at all.
const UPLOAD_PATH = /^\/drives\/[^/]+\/upload\/?$/i

export interface AdminRouterOptions {
  password?: AdminPassword
  sessions?: AdminSessions
  limiter?: LoginLimiter
  wifi?: WifiControl
  usbRoots?: string[]
  /** Tests use plain folders as sticks; production only mount points. */
  usbMountsOnly?: boolean
  /** Flushes a stick's written data before the page says "safe to remove" (default: `sync -f`). */
  syncStick?: (dir: string) => Promise<void>
}

/** The admin page's routes and the long-lived parts behind them, which the composition root opens and closes. */
export interface AdminPage { router: Router, parts: Array<[string, Part]> }

export function adminPage (ctx: NodeContext, opts: AdminRouterOptions = {}): AdminPage {
  const password = opts.password ?? new AdminPassword({ dataDir: ctx.config.data, passwordFile: ctx.config.adminPasswordFile })
  const sessions = opts.sessions ?? new AdminSessions()
  const limiter = opts.limiter ?? new LoginLimiter()
  const kit = new AdminKit(ctx)
  const writer = new DriveWriter(ctx.library, ctx.config.data)
  const usb = new UsbSticks({ library: ctx.library, writer, roots: opts.usbRoots, mountsOnly: opts.usbMountsOnly, syncStick: opts.syncStick })
  const netd = opts.wifi ? null : new NetdClient()
  // Read the password file now, so a bad one shows in the log at start rather than at the first visit (a
  // password given in opts was read by whoever made it).
  if (!opts.password) password.ready().catch((err) => log.error((err as Error).message))

  const router = Router()
  const forms = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 20 })

  router.use('/admin', (req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    next()
  })
  router.get('/admin/admin.css', (req, res) => { res.setHeader('Cache-Control', 'max-age=300'); res.type('css').send(ADMIN_CSS) })
  router.get('/admin/admin.js', (req, res) => { res.setHeader('Cache-Control', 'max-age=300'); res.type('js').send(ADMIN_JS) })

  // Every state change: same-origin page, then (for forms) the session's CSRF token.
  router.use('/admin', (req, res, next) => {
    res.locals.adminSession = sessions.find(req)
    if (req.method === 'GET' || req.method === 'HEAD') return next()
    if (req.method !== 'POST') return next(coded(FORBIDDEN, 'postOnly'))
    checkSameOrigin(req)
    const s = res.locals.adminSession as Session | null
    const missing = () => coded(FORBIDDEN, 'csrfMissing')
    if (req.is('multipart/form-data')) {
      // Only the upload route reads a multipart body, and it checks the token from the first field before a
      // byte of a file is written. Anywhere else the body is never parsed, so the header is the only place.
      if (UPLOAD_PATH.test(req.path)) return next()
      return next(s && AdminSessions.csrfMatches(s, req.get('x-csrf-token')) ? undefined : missing())
    }
    forms(req, res, (err?: unknown) => {
      if (err) return next(err)
      const token = req.get('x-csrf-token') ?? field(req, '_csrf')
      if (!s || !AdminSessions.csrfMatches(s, token)) return next(missing())
      next()
    })
  })

  const localSetup = (req: Request) => fromLoopback(req) && loopbackHost(req)

  router.get('/admin/login', wrap(async (req, res) => {
    const s = sessions.ensure(req, res)
    res.locals.adminSession = s
    if (!await password.isSet()) return res.redirect(303, '/admin')
    if (s.admin) return res.redirect(303, '/admin')
    kit.render(res, kit.tr(res).t('loginTitle'), loginBody(kit.tr(res).t, s.csrf, safeNext(req.query.next)))
  }))

  router.post('/admin/login', wrap(async (req, res) => {
    const ip = clientIp(req)
    const local = fromLoopback(req)
    limiter.attempt(ip, local)
    if (!await password.isSet()) throw coded(FORBIDDEN, 'noPasswordYet')
    try {
      if (!await password.verify(field(req, 'password'))) {
        log.warn(`failed admin login from ${ip}`)
        const left = limiter.left(ip)
        const minutes = limiter.pauseMinutes
        throw coded(UNAUTHORIZED, left === 0 ? 'wrongPasswordNoTriesLeft' : left === 1 ? 'wrongPasswordOneTryLeft' : 'wrongPasswordTriesLeft', { n: left, minutes })
      }
    } catch (err) {
      return kit.retry(req, res, err, 'login', 'password', (f, status) => {
        const s = kit.session(res)
        kit.render(res, kit.tr(res).t('loginTitle'), loginBody(kit.tr(res).t, s.csrf, safeNext(field(req, 'next')), f), status)
      })
    }
    limiter.succeeded(ip)
    res.locals.adminSession = sessions.start(res, true, kit.session(res))
    kit.done(req, res, 'loggedIn', safeNext(field(req, 'next')))
  }))

  router.post('/admin/setup', wrap(async (req, res) => {
    if (await password.isSet()) throw coded(FORBIDDEN, 'passwordAlreadySet')
    if (!localSetup(req)) throw coded(FORBIDDEN, 'setupOnNodeOnly')
    let pw: string
    try {
      pw = checkNew(field(req, 'password'))
      if (pw !== field(req, 'confirm')) throw coded(BAD_REQUEST, 'passwordsDiffer', { field: 'confirm' })
    } catch (err) {
      return kit.retry(req, res, err, 'setup', 'password', (f, status) => kit.render(res, kit.tr(res).t('setupTitle'), setupBody(kit.tr(res).t, kit.session(res).csrf, f), status))
    }
    await password.set(pw)
    res.locals.adminSession = sessions.start(res, true, kit.session(res))
    kit.done(req, res, 'passwordSet', '/admin')
  }))

  router.post('/admin/logout', (req, res) => {
    sessions.end(res, kit.session(res))
    res.locals.adminSession = null
    if (wantsJson(req)) { res.json({ ok: true }); return }
    res.redirect(303, '/admin/login')
  })

  // Gate: everything below needs a password to exist and a logged-in session.
  router.use('/admin', wrap(async (req, res, next) => {
    const s = res.locals.adminSession as Session | null
    if (!await password.isSet()) {
      if (req.method !== 'GET') throw coded(FORBIDDEN, 'noPasswordYet')
      const fresh = sessions.ensure(req, res)
      res.locals.adminSession = fresh
      const { t } = kit.tr(res)
      return localSetup(req) ? kit.render(res, t('setupTitle'), setupBody(t, fresh.csrf)) : kit.render(res, t('notSetTitle'), notSetBody(t), 403)
    }
    if (s?.admin) return next()
    if (req.method === 'GET' && !wantsJson(req)) return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`)
    throw coded(UNAUTHORIZED, 'loginFirst')
  }))

  const passwordPage = (res: Response, f?: FormState, status?: number) =>
    kit.render(res, kit.tr(res).t('changePassword'), passwordBody(kit.tr(res).t, kit.session(res).csrf, !!ctx.config.adminPasswordFile, f), status)
  router.get('/admin/password', (req, res) => passwordPage(res))

  router.post('/admin/password', wrap(async (req, res) => {
    const ip = clientIp(req)
    limiter.attempt(ip, fromLoopback(req))
    let pw: string
    try {
      if (!await password.verify(field(req, 'current'))) {
        throw coded(UNAUTHORIZED, 'currentPasswordWrong', { field: 'current' })
      }
      limiter.succeeded(ip)
      pw = checkNew(field(req, 'password'))
      if (pw !== field(req, 'confirm')) throw coded(BAD_REQUEST, 'passwordsDiffer', { field: 'confirm' })
    } catch (err) {
      return kit.retry(req, res, err, 'password', 'password', (f, status) => passwordPage(res, f, status))
    }
    await password.set(pw)
    // Whoever else was logged in (maybe with the old password) is logged out.
    sessions.endAll()
    res.locals.adminSession = sessions.start(res, true)
    kit.done(req, res, 'passwordChanged', '/admin')
  }))

  router.use(publishRoutes(kit, writer))
  router.use(manageRoutes(kit))
  router.use(wifiRoutes(kit, opts.wifi ?? netd!))
  router.use(usbRoutes(kit, usb))
  router.use(updatesRoutes(kit))

  router.use('/admin', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = httpStatus(err)
    if (status >= 500 && !isPortalError(err)) return next(err)
    const headers: Record<string, string> = { ...SECURITY_HEADERS }
    const retry = isPortalError(err) ? Number(err.details.retryAfterMs) : NaN
    if (status === 429 && retry > 0) headers['Retry-After'] = String(Math.ceil(retry / 1000))
    // An upload refused half-way: the rest of its body is discarded, and the connection not reused.
    if (req.is('multipart/form-data')) headers.Connection = 'close'
    sendError(err, req, res, { json: wantsJson(req), headers, page: (v) => kit.render(res, kit.tr(res).t('error'), errorBody(kit.tr(res).t, v.status, v.text, backTo(req)), v.status) })
  })
  const parts: Array<[string, Part]> = [['usb jobs', usb]]
  if (netd) parts.push(['netd client', netd])
  return { router, parts }
}

/** Where to go after logging in: an admin page of this node, nowhere else (no open redirect). */
function safeNext (v: unknown): string {
  return typeof v === 'string' && /^\/admin(\/[^/\\]*)*(\?[^\\]*)?$/.test(v) && !v.startsWith('//') ? v : '/admin'
}

function backTo (req: Request): string {
  try {
    const ref = new URL(req.headers.referer ?? '')
    if (ref.host === req.headers.host && ref.pathname.startsWith('/admin')) return ref.pathname + ref.search
  } catch { /* no or a malformed Referer: back to the admin home */ }
  return '/admin'
}
