// Publishing: create own drives, upload files and folders into them, rename and delete files and folders,
// edit the title.
import { Router, type Response } from 'express'
import { keyText, parseKey } from '../../services/storage/drive-key.js'
import { BAD_REQUEST, FILE_NOT_FOUND } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { AdminSessions } from './admin-sessions.js'
import { driveBody } from './drive-page.js'
import { listFiles, userPath, type DriveWriter } from '../../services/publish/drive-writer.js'
import { receiveUpload } from './receive-upload.js'
import { overviewPage } from './manage-routes.js'
import type { FormState } from './form-state.js'
import { coded, errorText } from '../i18n/error-text.js'

export function publishRoutes (kit: AdminKit, writer: DriveWriter): Router {
  const { library } = kit.ctx
  const router = Router()

  /** The drive page, showing folder `dir` ('' for the top), maybe with a form sent back. */
  const drivePage = async (res: Response, keyInput: string, dir: string, f?: FormState, status = 200) => {
    const d = library.require(keyInput, false)
    let why: string | undefined
    try { writer.writable(d.id) } catch (err) { why = errorText(err, kit.tr(res)) }
    const { files, more } = await listFiles(d)
    const { t } = kit.tr(res)
    kit.render(res, d.info.title || t('drive'), driveBody(t, { key: d.id, title: d.info.title, description: d.info.description, writable: !why, why, dir, files, more }, kit.session(res).csrf, f), status)
  }
  const folderOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')))
  const back = (key: string, dir: string) => `/admin/drives/${key}${dir ? `?dir=${encodeURIComponent(dir)}` : ''}`

  router.post('/admin/drives', wrap(async (req, res) => {
    try {
      const title = field(req, 'title').trim().slice(0, 120)
      if (!title) throw coded(BAD_REQUEST, 'needTitle')
      const d = await library.createOwnDrive({ title, description: field(req, 'description').trim().slice(0, 1000) })
      kit.done(req, res, ['doneDriveCreated', { title }], `/admin/drives/${d.id}`, { key: d.id })
    } catch (err) {
      await kit.retry(req, res, err, 'create', 'title', (f, status) => overviewPage(kit, res, f, status))
    }
  }))

  router.get('/admin/drives/:key', wrap(async (req, res) => {
    await drivePage(res, String(req.params.key), folderParam(req.query.dir))
  }))

  router.post('/admin/drives/:key/upload', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    await writer.checkSpace(Number(req.headers['content-length'] ?? 0))
    const s = kit.session(res)
    const result = await receiveUpload(req, writer, d, {
      csrf: (t) => AdminSessions.csrfMatches(s, t),
      csrfOk: AdminSessions.csrfMatches(s, req.get('x-csrf-token'))
    })
    // Once per upload, not per file: its last blocks would otherwise sit in RocksDB's write buffer (native memory).
    await library.flushWrites()
    if (result.files.length === 0) throw coded(BAD_REQUEST, 'noFilesChosen')
    kit.done(req, res, ['donePublished', { n: result.files.length }], `/admin/drives/${d.id}`, { files: result.files })
  }))

  router.post('/admin/drives/:key/rename', wrap(async (req, res) => {
    const from = field(req, 'from')
    try {
      const d = writer.writable(String(req.params.key))
      const to = await writer.rename(d, from, field(req, 'to'))
      kit.done(req, res, ['doneRenamed', { name: to }], back(d.id, folderOf(to)))
    } catch (err) {
      await kit.retry(req, res, err, `rename:${from}`, 'to', (f, status) => drivePage(res, String(req.params.key), folderOf(from), f, status))
    }
  }))

  router.post('/admin/drives/:key/delete', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    const name = await writer.remove(d, field(req, 'path'))
    kit.done(req, res, ['doneDeleted', { name }], back(d.id, folderOf(name)))
  }))

  router.post('/admin/drives/:key/delete-folder', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    const folder = userPath(field(req, 'path'))
    const inside = (await listFiles(d, Infinity)).files.filter(f => f.path.startsWith(folder + '/'))
    if (inside.length === 0) throw coded(FILE_NOT_FOUND, 'noSuchFolder', { name: folder })
    for (const f of inside) await writer.remove(d, f.path)
    kit.done(req, res, ['doneDeletedFolder', { name: folder, n: inside.length }], back(d.id, folderOf(folder)))
  }))

  router.post('/admin/drives/:key/info', wrap(async (req, res) => {
    try {
      const d = writer.writable(String(req.params.key))
      const title = field(req, 'title').trim().slice(0, 120)
      if (!title) throw coded(BAD_REQUEST, 'needTitle')
      await library.writeInfo(d, { title, description: field(req, 'description').trim().slice(0, 1000) })
      kit.done(req, res, 'doneInfoSaved', `/admin/drives/${keyText(parseKey(d.id))}`)
    } catch (err) {
      await kit.retry(req, res, err, 'info', 'title', (f, status) => drivePage(res, String(req.params.key), '', f, status))
    }
  }))

  return router
}

/** `?dir=` as a drive folder: '' for the top, else '/a/b' (anything odd shows the top). */
function folderParam (v: unknown): string {
  if (typeof v !== 'string' || v === '' || v === '/') return ''
  try { return userPath(v) } catch { return '' }
}
