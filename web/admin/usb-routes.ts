// USB import and export; copies run in the background and show on the USB page.
import { Router } from 'express'
import { AdminKit, field, wrap } from './admin-kit.js'
import { usbBody, usbJobView } from './usb-page.js'
import type { UsbSticks } from '../../services/publish/usb-sticks.js'

export function usbRoutes (kit: AdminKit, usb: UsbSticks): Router {
  const { library } = kit.ctx
  const router = Router()

  router.get('/admin/usb', wrap(async (req, res) => {
    const sticks = await Promise.all((await usb.list()).map(async s => ({ ...s, folders: await usb.folders(s) })))
    const drives = library.list().map(d => ({ key: d.id, title: d.info.title }))
    const tr = kit.tr(res)
    const { t } = tr
    const jobs = usb.jobs.map(j => usbJobView(j, tr))
    kit.render(res, t('usbTitle'), usbBody(t, { sticks, drives, jobs, drive: typeof req.query.drive === 'string' ? req.query.drive : '', csrf: kit.session(res).csrf }))
  }))

  router.get('/admin/usb/jobs.json', (req, res) => { res.json({ jobs: usb.jobs }) })

  router.post('/admin/usb/import', wrap(async (req, res) => {
    const stick = await usb.find(field(req, 'stick'))
    const job = await usb.startImport(stick, field(req, 'folder') || '/', { title: field(req, 'title').trim().slice(0, 120), description: field(req, 'description').trim().slice(0, 1000) })
    kit.done(req, res, ['doneImporting', { n: job.files, stick: stick.name }], '/admin/usb', { job: job.id, key: job.driveKey })
  }))

  router.post('/admin/usb/export', wrap(async (req, res) => {
    const stick = await usb.find(field(req, 'stick'))
    const d = library.require(field(req, 'drive'), false)
    const job = await usb.startExport(d, stick, field(req, 'folder'))
    kit.done(req, res, ['doneExporting', { n: job.files, stick: stick.name }], '/admin/usb', { job: job.id })
  }))

  return router
}
