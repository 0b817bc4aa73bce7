// Managing what this node holds: overview, follow by key, pin, block/unblock, caps.
import { Router } from 'express'
import { nodeStatus } from '../../services/node/node-status.js'
import { keyText, parseKey } from '../../services/storage/drive-key.js'
import { parseSize } from '../../services/config/size.js'
import { BAD_REQUEST, DRIVE_NOT_FOUND } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { overviewBody, blockConfirmBody, sizeText } from './manage-pages.js'

export function manageRoutes (kit: AdminKit): Router {
  const { ctx } = kit
  const { library, mirror } = ctx
  const router = Router()

  router.get('/admin', wrap(async (req, res) => {
    const status = await nodeStatus(ctx)
    kit.render(res, 'Overview', overviewBody(status, kit.session(res).csrf, library.blockedKeys()))
  }))

  router.get('/admin/status.json', wrap(async (req, res) => { res.json(await nodeStatus(ctx)) }))

  router.post('/admin/follow', wrap(async (req, res) => {
    const key = keyText(parseKey(field(req, 'key')))
    const d = await library.addMirror(key, { followed: true })
    mirror.schedule()
    kit.done(req, res, `Following ${d.info.title ? `“${d.info.title}”` : key}: it syncs as soon as a peer has it.`, '/admin', { key })
  }))

  router.post('/admin/drives/:key/unfollow', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    const d = library.get(key)
    const r = library.record(key)
    if (!r || r.own) throw DRIVE_NOT_FOUND(`This node does not follow drive ${key}.`)
    // A followed key whose drive never arrived holds nothing worth keeping; one that did becomes an ordinary
    // mirror, kept or removed by the caps like any other.
    if (!d?.snapshot().known && !r.pinned) {
      await library.remove(key)
      kit.done(req, res, 'Unfollowed: nothing had arrived for it, so it is gone.', '/admin')
      return
    }
    library.setFollowed(key, false)
    mirror.schedule()
    kit.done(req, res, 'Unfollowed: it stays while there is room, like any mirrored drive.', '/admin')
  }))

  const pin = (pinned: boolean) => wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    library.setPinned(key, pinned)
    mirror.schedule()
    kit.done(req, res, pinned ? 'Pinned: it is never removed to make room.' : 'Unpinned.', '/admin')
  })
  router.post('/admin/drives/:key/pin', pin(true))
  router.post('/admin/drives/:key/unpin', pin(false))

  router.get('/admin/drives/:key/block', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    const d = library.get(key)
    kit.render(res, 'Block drive', blockConfirmBody({ key, title: d?.info.title || library.record(key)?.title || '' }, kit.session(res).csrf))
  }))

  router.post('/admin/drives/:key/block', wrap(async (req, res) => {
    const key = keyText(parseKey(String(req.params.key)))
    if (field(req, 'confirm') !== 'yes') throw BAD_REQUEST('Blocking deletes the drive: confirm it on the block page.')
    const r = library.record(key)
    if (r?.own) throw BAD_REQUEST('This is one of this node\'s own drives: it cannot be blocked here.')
    if (!r && !library.isBlocked(key) && !mirror.offered().some(o => o.entry.key === key)) throw DRIVE_NOT_FOUND(`No drive ${key} here or on any peer.`)
    await library.remove(key, { block: true })
    kit.done(req, res, `Blocked ${r?.title ? `“${r.title}”` : key}: its files were deleted and it will not come back.`, '/admin')
  }))

  router.post('/admin/unblock', wrap(async (req, res) => {
    const key = keyText(parseKey(field(req, 'key')))
    await library.unblock(key)
    mirror.schedule()
    kit.done(req, res, 'Unblocked: it may be mirrored again when a peer offers it.', '/admin')
  }))

  router.post('/admin/caps', wrap(async (req, res) => {
    const maxDriveBytes = parseSize(field(req, 'maxDrive'))
    const maxTotalBytes = parseSize(field(req, 'maxTotal'))
    if (!Number.isFinite(maxDriveBytes) || !Number.isFinite(maxTotalBytes)) throw BAD_REQUEST('Caps are sizes such as 500M, 4G or 16G.')
    // The node applies them (the mirror re-reviews at once, evicting if the total shrank).
    await ctx.settings.setCaps({ maxDriveBytes, maxTotalBytes })
    kit.done(req, res, `Caps saved: ${sizeText(maxDriveBytes)} per drive, ${sizeText(maxTotalBytes)} in all.`, '/admin')
  }))

  return router
}
