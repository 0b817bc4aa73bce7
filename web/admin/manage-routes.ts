// Managing what this node holds: overview, follow by key, pin, block/unblock, caps.
import { Router, type Request, type Response } from 'express'
import { nodeStatus } from '../../services/node/node-status.js'
import { keyText, parseKey } from '../../services/storage/drive-key.js'
import { parseSize } from '../../services/config/size.js'
import { BAD_REQUEST, DRIVE_NOT_FOUND } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { nodeRegionHealth } from '../../services/node/region-health.js'
import { overviewBody, blockConfirmBody, capsConfirmBody, sizeText } from './manage-pages.js'
import { wantsJson } from './request-checks.js'
import type { FormState } from './form-state.js'
import { coded } from '../i18n/error-text.js'
import { adminTranslator } from '../i18n/admin-language.js'

export function manageRoutes (kit: AdminKit): Router {
  const { ctx } = kit
  const { library, mirror } = ctx
  const router = Router()

  const overview = (res: Response, form?: FormState, status = 200) => overviewPage(kit, res, form, status)
  /** A form on the overview came back with a mistake: the overview again, with it. */
  const retry = (req: Request, res: Response, err: unknown, form: string, fieldName: string) =>
    kit.retry(req, res, err, form, fieldName, (f, status) => overview(res, f, status))

  router.get('/admin', wrap(async (req, res) => overview(res)))

  router.get('/admin/status.json', wrap(async (req, res) => { res.json(await nodeStatus(ctx)) }))

  router.post('/admin/follow', wrap(async (req, res) => {
    try {
      const key = keyText(parseKey(field(req, 'key')))
      const d = await library.addMirror(key, { followed: true })
      mirror.schedule()
      kit.done(req, res, d.info.title ? ['doneFollowingTitle', { title: d.info.title }] : ['doneFollowingKey', { key }], '/admin', { key })
    } catch (err) {
      await retry(req, res, err, 'follow', 'key')
    }
  }))

  router.post('/admin/drives/:key/unfollow', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    const d = library.get(key)
    const r = library.record(key)
    if (!r || r.own) throw coded(DRIVE_NOT_FOUND, 'notFollowed', { key })
    // A followed key whose drive never arrived holds nothing worth keeping; one that did becomes an ordinary
    // mirror, kept or removed by the caps like any other.
    if (!d?.snapshot().known && !r.pinned) {
      await library.remove(key)
      kit.done(req, res, 'doneUnfollowedGone', '/admin')
      return
    }
    library.setFollowed(key, false)
    mirror.schedule()
    kit.done(req, res, 'doneUnfollowedStays', '/admin')
  }))

  // Evicted or refused, and the organiser wants it anyway: followed drives skip the cool-down and are never evicted.
  router.post('/admin/drives/:key/mirror-again', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    await mirror.mirrorAgain(key)
    kit.done(req, res, 'mirroringAgain', '/admin', { key })
  }))

  const pin = (pinned: boolean) => wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    library.setPinned(key, pinned)
    mirror.schedule()
    kit.done(req, res, pinned ? 'donePinned' : 'doneUnpinned', '/admin')
  })
  router.post('/admin/drives/:key/pin', pin(true))
  router.post('/admin/drives/:key/unpin', pin(false))

  router.get('/admin/drives/:key/block', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    const d = library.get(key)
    const { t } = kit.tr(res)
    kit.render(res, t('blockDrive'), blockConfirmBody(t, { key, title: d?.info.title || library.record(key)?.title || '' }, kit.session(res).csrf))
  }))

  router.post('/admin/drives/:key/block', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    if (field(req, 'confirm') !== 'yes') throw coded(BAD_REQUEST, 'blockNotConfirmed')
    const r = library.record(key)
    if (r?.own) throw coded(BAD_REQUEST, 'ownNotBlockable')
    if (!r && !library.isBlocked(key) && !mirror.offered().some(o => o.entry.key === key)) throw coded(DRIVE_NOT_FOUND, 'driveNowhere', { key })
    await library.remove(key, { block: true })
    kit.done(req, res, r?.title ? ['doneBlockedTitle', { title: r.title }] : ['doneBlockedKey', { key }], '/admin')
  }))

  router.post('/admin/unblock', wrap(async (req, res) => {
    const key = keyText(parseKey(field(req, 'key')))
    await library.unblock(key)
    mirror.schedule()
    kit.done(req, res, 'doneUnblocked', '/admin')
  }))

  router.post('/admin/caps', wrap(async (req, res) => {
    const { t } = kit.tr(res)
    let caps: { maxDriveBytes: number, maxTotalBytes: number }
    try {
      caps = { maxDriveBytes: capField(field(req, 'maxDrive'), 'maxDrive'), maxTotalBytes: capField(field(req, 'maxTotal'), 'maxTotal') }
      if (caps.maxDriveBytes > caps.maxTotalBytes) throw coded(BAD_REQUEST, 'capDriveAboveTotal', { field: 'maxDrive' })
    } catch (err) {
      return retry(req, res, err, 'caps', 'maxDrive')
    }
    // Lowering a cap deletes drives at once, and they stay away for an hour: say which, and ask first.
    const evict = mirror.wouldEvict(caps)
    if (evict.length && field(req, 'confirm') !== 'yes') {
      if (wantsJson(req)) {
        const n = evict.length
        res.status(409).json({ error: { code: 'CONFIRM', message: adminTranslator('en').t('capsConfirmTitle', { n }) }, message: t('capsConfirmTitle', { n }), evict })
        return
      }
      kit.render(res, t('caps'), capsConfirmBody(t, { maxDrive: field(req, 'maxDrive'), maxTotal: field(req, 'maxTotal') }, evict, kit.session(res).csrf))
      return
    }
    // The node applies them (the mirror re-reviews at once, evicting if the total shrank).
    await ctx.settings.setCaps(caps)
    kit.done(req, res, ['doneCapsSaved', { maxDrive: sizeText(caps.maxDriveBytes), maxTotal: sizeText(caps.maxTotalBytes) }], '/admin')
  }))

  return router
}

/** The overview, maybe with one of its forms sent back with a mistake. */
export async function overviewPage (kit: AdminKit, res: Response, form?: FormState, status = 200): Promise<void> {
  const { library, mirror } = kit.ctx
  const s = await nodeStatus(kit.ctx)
  // Blocked drives by title: kept when blocking, or what a peer currently offers under that key.
  const offered = new Map(mirror.offered().map(o => [o.entry.key, o.entry.title]))
  const blocked = library.blockedKeys().map(key => ({ key, title: library.blockedTitle(key) || offered.get(key) || '' }))
  const { t } = kit.tr(res)
  kit.render(res, t('overview'), overviewBody(t, s, kit.session(res).csrf, { blocked, form, region: nodeRegionHealth(kit.ctx) }), status)
}

/** A cap as typed: a bare number is refused rather than taken as bytes (16 meant 16G, not 16 bytes). */
function capField (text: string, name: string): number {
  const trimmed = text.trim()
  if (/^\d+(?:[.,]\d+)?$/.test(trimmed)) throw coded(BAD_REQUEST, 'sizeNoUnit', { n: trimmed, field: name })
  const bytes = parseSize(trimmed)
  if (!Number.isFinite(bytes) || bytes <= 0) throw coded(BAD_REQUEST, 'sizeUnreadable', { field: name })
  return bytes
}
