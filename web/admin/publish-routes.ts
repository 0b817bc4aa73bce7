// Publishing: create own drives, upload files and folders into them, rename and delete files, edit the title.
import { Router } from 'express'
import { keyText, parseKey } from '../../services/storage/drive-key.js'
import { BAD_REQUEST } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { AdminSessions } from './admin-sessions.js'
import { driveBody } from './drive-page.js'
import { listFiles, type DriveWriter } from '../../services/publish/drive-writer.js'
import { receiveUpload } from './receive-upload.js'

export function publishRoutes (kit: AdminKit, writer: DriveWriter): Router {
  const { library } = kit.ctx
  const router = Router()

  router.post('/admin/drives', wrap(async (req, res) => {
    const title = field(req, 'title').trim().slice(0, 120)
    if (!title) throw BAD_REQUEST('Give the drive a title.')
    const d = await library.createOwnDrive({ title, description: field(req, 'description').trim().slice(0, 1000) })
    kit.done(req, res, `Drive “${title}” created: now add files to it.`, `/admin/drives/${d.id}`, { key: d.id })
  }))

  router.get('/admin/drives/:key', wrap(async (req, res) => {
    const d = library.require(String(req.params.key), false)
    let why: string | undefined
    try { writer.writable(d.id) } catch (err) { why = (err as Error).message }
    const { files, more } = await listFiles(d)
    kit.render(res, d.info.title || 'Drive', driveBody({ key: d.id, title: d.info.title, description: d.info.description, writable: !why, why, files, more }, kit.session(res).csrf))
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
    if (result.files.length === 0) throw BAD_REQUEST('Choose at least one file to upload.')
    kit.done(req, res, `${result.files.length} file(s) published.`, `/admin/drives/${d.id}`, { files: result.files })
  }))

  router.post('/admin/drives/:key/rename', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    const to = await writer.rename(d, field(req, 'from'), field(req, 'to'))
    kit.done(req, res, `Renamed to ${to}.`, `/admin/drives/${d.id}`)
  }))

  router.post('/admin/drives/:key/delete', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    const name = await writer.remove(d, field(req, 'path'))
    kit.done(req, res, `Deleted ${name}.`, `/admin/drives/${d.id}`)
  }))

  router.post('/admin/drives/:key/info', wrap(async (req, res) => {
    const d = writer.writable(String(req.params.key))
    const title = field(req, 'title').trim().slice(0, 120)
    if (!title) throw BAD_REQUEST('Give the drive a title.')
    await library.writeInfo(d, { title, description: field(req, 'description').trim().slice(0, 1000) })
    kit.done(req, res, 'Title and description saved.', `/admin/drives/${keyText(parseKey(d.id))}`)
  }))

  return router
}
