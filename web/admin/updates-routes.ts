// /admin/updates: what the update helper reports, and the organiser's three forms (install now, go back, when
// to install). On a laptop (no helper) the page only shows the version and whether an update exists.
import { Router, type Request, type Response } from 'express'
import { AdminKit, field, wrap } from './admin-kit.js'
import { updatesBody } from './updates-page.js'
import type { FormState } from './form-state.js'
import { BAD_REQUEST, isPortalError } from '../../services/errors.js'
import { isUpdateError } from '../../services/update/update-error.js'
import type { AdminKey } from '../i18n/admin-strings.js'

export function updatesRoutes (kit: AdminKit): Router {
  const router = Router()
  const { ctx } = kit

  const page = async (res: Response, f?: FormState, status?: number) => {
    const updater = ctx.updater ?? null
    if (updater !== null && f === undefined) await updater.refresh()
    const { t } = kit.tr(res)
    kit.render(res, t('navUpdates'), updatesBody(t, {
      running: ctx.appVersion,
      update: ctx.updates?.update ?? null,
      appliance: updater === null ? null : { helper: updater.helper, error: updater.helperError },
      policy: ctx.settings.updatePolicy,
      csrf: kit.session(res).csrf
    }, f), status)
  }

  /** The helper's refusals as the organiser's words; its own English reason is kept for the release checks. */
  const said = (res: Response, err: unknown, field: string): unknown => {
    if (!isUpdateError(err)) return err
    const { t } = kit.tr(res)
    const key: Partial<Record<string, AdminKey>> = { UPDATE_BUSY: 'updErrBusy', NOTHING_OFFERED: 'updErrNothing', NO_PREVIOUS_VERSION: 'updNoPrevious', UPDATER_UNAVAILABLE: 'updNoHelper' }
    const k = key[err.code]
    return BAD_REQUEST(k ? t(k) : err.message, { field, code: err.code })
  }

  const helperOrRefuse = (res: Response) => {
    if (!ctx.updater) throw BAD_REQUEST(kit.tr(res).t('updReportOnly'))
    return ctx.updater
  }

  router.get('/admin/updates', wrap(async (req, res) => page(res)))

  router.post('/admin/updates/install', wrap(async (req: Request, res: Response) => {
    const updater = helperOrRefuse(res)
    let version: string
    try {
      const wanted = field(req, 'version')
      version = await updater.install(wanted === '' ? undefined : wanted)
    } catch (err) {
      return kit.retry(req, res, said(res, err, 'version'), 'install', 'version', (f, status) => page(res, f, status))
    }
    kit.done(req, res, ['doneInstallStarted', { version }], '/admin/updates')
  }))

  router.post('/admin/updates/go-back', wrap(async (req: Request, res: Response) => {
    const updater = helperOrRefuse(res)
    let version: string
    try {
      version = await updater.goBack()
    } catch (err) {
      return kit.retry(req, res, said(res, err, 'confirm'), 'go-back', 'confirm', (f, status) => page(res, f, status))
    }
    kit.done(req, res, ['doneGoBackStarted', { version }], '/admin/updates')
  }))

  router.post('/admin/updates/policy', wrap(async (req: Request, res: Response) => {
    const { t } = kit.tr(res)
    try {
      await ctx.settings.setUpdatePolicy({ mode: field(req, 'mode') as 'auto', start: field(req, 'start'), end: field(req, 'end') })
    } catch (err) {
      const named = isPortalError(err, 'BAD_REQUEST') ? String(err.details.field ?? 'mode') : 'mode'
      const msg: AdminKey = named === 'mode' ? 'updErrMode' : /same time/.test((err as Error).message) ? 'updErrSame' : 'updErrTime'
      const mapped = isPortalError(err, 'BAD_REQUEST') ? BAD_REQUEST(t(msg), { field: named }) : err
      return kit.retry(req, res, mapped, 'policy', named, (f, status) => page(res, f, status))
    }
    kit.done(req, res, 'donePolicySaved', '/admin/updates')
  }))

  return router
}
