// /admin/updates: what the update helper reports, and the organiser's three forms (install now, go back, when
// to install). On a laptop (no helper) the page only shows the version and whether an update exists.
import { Router, type Request, type Response } from 'express'
import { AdminKit, field, wrap } from './admin-kit.js'
import { updatesBody } from './updates-page.js'
import type { FormState } from './form-state.js'
import { BAD_REQUEST } from '../../services/errors.js'
import type { UpdateErrorCode } from '../../services/update/update-error.js'
import { coded } from '../i18n/error-text.js'

export function updatesRoutes (kit: AdminKit): Router {
  const router = Router()
  const { ctx } = kit

  const page = async (res: Response, f?: FormState, status?: number) => {
    const updater = ctx.updater ?? null
    if (updater !== null && f === undefined) await updater.refresh()
    const tr = kit.tr(res)
    kit.render(res, tr.t('navUpdates'), updatesBody(tr, {
      running: ctx.appVersion,
      update: ctx.updates?.update ?? null,
      appliance: updater === null ? null : { helper: updater.helper, error: updater.helperError },
      policy: ctx.settings.updatePolicy,
      csrf: kit.session(res).csrf
    }, f), status)
  }

  const helperOrRefuse = () => {
    if (!ctx.updater) throw coded(BAD_REQUEST, 'updateReportOnly')
    return ctx.updater
  }
  // The helper's refusals are worded by their code like any error; these two are shown next to the button too.
  const helperDown: UpdateErrorCode[] = ['INSTALL_FAILED', 'UPDATER_UNAVAILABLE']

  router.get('/admin/updates', wrap(async (req, res) => page(res)))

  router.post('/admin/updates/install', wrap(async (req: Request, res: Response) => {
    const updater = helperOrRefuse()
    let version: string
    try {
      const wanted = field(req, 'version')
      version = await updater.install(wanted === '' ? undefined : wanted)
    } catch (err) {
      return kit.retry(req, res, err, 'install', 'version', (f, status) => page(res, f, status), helperDown)
    }
    kit.done(req, res, ['doneInstallStarted', { version }], '/admin/updates')
  }))

  router.post('/admin/updates/go-back', wrap(async (req: Request, res: Response) => {
    const updater = helperOrRefuse()
    let version: string
    try {
      version = await updater.goBack()
    } catch (err) {
      return kit.retry(req, res, err, 'go-back', 'confirm', (f, status) => page(res, f, status), helperDown)
    }
    kit.done(req, res, ['doneGoBackStarted', { version }], '/admin/updates')
  }))

  router.post('/admin/updates/policy', wrap(async (req: Request, res: Response) => {
    try {
      await ctx.settings.setUpdatePolicy({ mode: field(req, 'mode') as 'auto', start: field(req, 'start'), end: field(req, 'end') })
    } catch (err) {
      return kit.retry(req, res, err, 'policy', 'mode', (f, status) => page(res, f, status))
    }
    kit.done(req, res, 'donePolicySaved', '/admin/updates')
  }))

  return router
}
