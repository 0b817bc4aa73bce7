// The visitor's pages on the portal port: home, folders, file pages, thumbnails, search, live events, the
// language switcher and the two static assets. Drive bytes themselves go out through /d/ (node-api.ts) with
// the sandbox CSP; websites through the content port.
import { Router, type Request, type Response, type NextFunction } from 'express'
import path from 'node:path'
import type { NodeContext } from '../../services/node/node-context.js'
import { isPortalError } from '../../services/errors.js'
import { httpStatus, sendError } from '../server/error-handler.js'
import { drivePath, splitDriveUrl } from '../../services/storage/drive-path.js'
import { UNTRUSTED_HEADERS } from '../drive-files/drive-file-route.js'
import { parseKey, keyText } from '../../services/storage/drive-key.js'
import { pickLanguage, isLang, LANG_COOKIE } from '../i18n/language.js'
import { layout, pageCsp } from '../html/layout.js'
import { sendBody } from '../html/send-page.js'
import { contentOrigin, ipLiteralUrl } from '../html/addresses.js'
import { esc, pathUrl } from '../html/escape.js'
import { PORTAL_CSS } from '../assets/portal-css.js'
import { PORTAL_JS } from '../assets/portal-js.js'
import { ASSET_VERSION } from '../assets/asset-version.js'
import { qrSvg } from '../qr/qr-svg.js'
import { lanDrives } from './lan-drives.js'
import { SiteCheck } from './site-check.js'
import { homePage } from './home-page.js'
import { folderPage, filePage, notFoundPage, noHolderPage, type FilePreview, type FolderView } from './browse-pages.js'
import { galleryItems, neighbours } from './photo-gallery.js'
import { siteFramePage } from './site-frame-page.js'
import { publisherName } from './drive-publisher.js'
import { readFolder } from '../../services/storage/drive-folder.js'
import { openDrive } from '../../services/node/open-drive.js'
import { FIRST_BLOCK_WAIT_MS } from '../../services/storage/browse-cache.js'
import { isHidden } from '../../services/storage/library-drive.js'
import { fileKind } from '../../services/media/file-kind.js'
import { readHead } from '../../services/storage/read-head.js'
import { renderText, PREVIEW_BYTES } from './text-preview.js'
import { searchPage } from './search-page.js'
import { LiveEvents } from './live-events.js'
import { SearchIndex } from '../../services/search/search-index.js'
import { Thumbnailer, type ThumbSize } from '../../services/media/thumbnailer.js'
import type { Part } from '../../services/lifecycle/part-list.js'

export interface VisitorOptions {
  search?: SearchIndex
  thumbnailer?: Thumbnailer
}

interface Render { title: string, body: string, status?: number, query?: string, bare?: boolean }

export function renderPage (ctx: NodeContext, req: Request, res: Response, r: Render): void {
  const tr = pickLanguage(req)
  const origin = contentOrigin(req, ctx.config)
  const html = layout({ tr, title: r.title, body: r.body, site: ctx.config.name, here: req.originalUrl, query: r.query, contentOrigin: origin, bare: r.bare })
  sendBody(req, res, html, { status: r.status, headers: { 'Content-Security-Policy': pageCsp(origin), 'Referrer-Policy': 'same-origin', Vary: 'Accept-Encoding, Accept-Language, Cookie' } })
}

const wrap = (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => { fn(req, res).catch(next) }

/** The visitor's routes and the long-lived parts behind them, which the composition root opens and closes. */
export interface VisitorPages { router: Router, parts: Array<[string, Part]> }

export function visitorPages (ctx: NodeContext, opts: VisitorOptions = {}): VisitorPages {
  const router = Router()
  const sites = new SiteCheck(ctx.library)
  const live = new LiveEvents(ctx)
  const search = opts.search ?? new SearchIndex({ library: ctx.library, dir: path.join(ctx.config.data, 'search') })
  const thumbs = opts.thumbnailer ?? new Thumbnailer({ dir: path.join(ctx.config.data, 'thumbs') })

  const asset = (body: string, type: string) => (req: Request, res: Response) => {
    // Versioned URLs never change content: phones keep them a year and revalidate nothing.
    const cache = req.query.v === ASSET_VERSION ? 'public, max-age=31536000, immutable' : 'no-cache'
    sendBody(req, res, body, { type, headers: { 'Cache-Control': cache } })
  }
  router.get('/assets/portal.css', asset(PORTAL_CSS, 'text/css; charset=utf-8'))
  router.get('/assets/portal.js', asset(PORTAL_JS, 'text/javascript; charset=utf-8'))

  router.get('/lang/:lang', (req, res) => {
    const lang = req.params.lang
    const next = typeof req.query.next === 'string' && /^\/(?![/\\])/.test(req.query.next) ? req.query.next : '/'
    if (isLang(lang)) res.setHeader('Set-Cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`)
    res.setHeader('Cache-Control', 'no-store')
    res.redirect(303, next)
  })

  router.get('/', wrap(async (req, res) => {
    const tr = pickLanguage(req)
    await sites.refresh()
    const drives = lanDrives(ctx, sites.has)
    // Venue mode: no pop-up will bring phones here, so the page offers its own address as a QR code to pass on.
    let share: { url: string, qr: string } | undefined
    if (!ctx.config.captive) {
      const url = ipLiteralUrl(req, ctx.config)
      share = { url, qr: await qrSvg(url, url) }
    }
    renderPage(ctx, req, res, { title: ctx.config.name, body: homePage(tr, drives, { contentOrigin: contentOrigin(req, ctx.config), share }) })
  }))

  router.get('/events', (req, res) => live.handle(req, res))

  router.get('/search', wrap(async (req, res) => {
    const tr = pickLanguage(req)
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : ''
    const hits = q.trim() ? await search.search(q) : []
    renderPage(ctx, req, res, { title: `${tr.t('search')}: ${q}`, body: searchPage(tr, q, hits), query: q })
  }))

  router.get(/^\/thumb\//, wrap(async (req, res) => {
    const parts = splitDriveUrl(req.originalUrl, '/thumb/')
    if (!parts) { res.status(404).end(); return }
    const d = await openDrive(ctx, parts.key, false)
    const name = drivePath(parts.rest)
    if (isHidden(name)) { res.status(404).end(); return }
    const size: ThumbSize = req.query.size === 'large' || req.query.size === 'medium' ? req.query.size : 'small'
    const img = await thumbs.thumbnail(d, name, size)
    if (!img) { res.status(404).setHeader('Cache-Control', 'no-store'); res.end(); return }
    res.setHeader('Content-Type', 'image/jpeg')
    res.setHeader('Cache-Control', 'private, max-age=3600')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    for (const [k, v] of Object.entries(UNTRUSTED_HEADERS)) res.setHeader(k, v)
    res.setHeader('Content-Length', String(img.length))
    res.end(img)
  }))

  router.get(/^\/drive\//, wrap(async (req, res) => {
    const tr = pickLanguage(req)
    const parts = splitDriveUrl(req.originalUrl, '/drive/')!
    const key = keyText(parseKey(parts.key))
    if (parts.rest === '') { res.redirect(301, `/drive/${key}/`); return }
    const d = await openDrive(ctx, key)
    const name = drivePath(parts.rest)
    const ref = { key, title: d.info.title || key.slice(0, 8) }
    const missing = () => renderPage(ctx, req, res, { status: 404, title: tr.t('notFound'), body: notFoundPage(tr) })
    if (isHidden(name + '/')) return missing()
    if (!parts.trailingSlash) {
      const entry = await d.localEntry(name)
      if (entry?.value?.blob) {
        const size: number = entry.value.blob.byteLength
        const kind = fileKind(name)
        const preview: FilePreview = {}
        if (kind === 'text' || kind === 'markdown') {
          // A browsed drive's text comes from its holders: as long as a first block may take (browse-cache.ts).
          const head = await readHead(await d.hyperdrive(), name, size, PREVIEW_BYTES, d.sparse ? FIRST_BLOCK_WAIT_MS : undefined)
          if (!head) preview.missing = true
          else { preview.html = await renderText(head, kind === 'markdown', `/d/${key}${pathUrl(name.slice(0, name.lastIndexOf('/') + 1))}`); preview.truncated = size > PREVIEW_BYTES }
        }
        if (kind === 'image') {
          const parent = name.slice(0, name.lastIndexOf('/')) || '/'
          const siblings = await readFolder(d, parent).catch(() => null)
          if (siblings) preview.gallery = neighbours(galleryItems(siblings.items), name)
        }
        if (kind === 'video') {
          preview.poster = await thumbs.posters()
          preview.duration = await thumbs.duration(d, name)
        }
        renderPage(ctx, req, res, { title: `${name.split('/').pop()} · ${ref.title}`, body: filePage(tr, ref, name, size, preview, contentOrigin(req, ctx.config)) })
        return
      }
    }
    // A mirror still receiving the drive's file tree cannot list this folder yet: say so, do not fail.
    const folder = await readFolder(d, name).catch((err) => { if (err?.code === 'BLOCK_NOT_AVAILABLE') return 'later' as const; throw err })
    if (folder === 'later') return renderPage(ctx, req, res, { status: 503, title: tr.t('notFound'), body: `<p>${esc(tr.t('notHere'))}</p>` })
    if (!folder) return missing()
    if (!parts.trailingSlash) { res.redirect(301, `/drive/${key}${req.originalUrl.slice(`/drive/${parts.key}`.length).replace(/([^?#]*)/, '$1/')}`); return }
    const view: FolderView = { posters: await thumbs.posters(), durations: new Map() }
    // Only durations already cached beside a poster: a listing never waits on ffmpeg.
    await Promise.all(folder.items.filter(it => !it.folder && fileKind(it.name) === 'video').map(async (it) => {
      const s = await thumbs.duration(d, it.path)
      if (s) view.durations!.set(it.path, s)
    }))
    if (name === '/') view.about = { description: d.info.description, publisher: publisherName(ctx, key) }
    renderPage(ctx, req, res, { title: name === '/' ? ref.title : `${name.split('/').pop()} · ${ref.title}`, body: folderPage(tr, ref, name, folder.items, folder.truncated, view) })
  }))

  router.get(/^\/site\//, wrap(async (req, res) => {
    const tr = pickLanguage(req)
    const parts = splitDriveUrl(req.originalUrl, '/site/')
    if (!parts) return renderPage(ctx, req, res, { status: 404, title: tr.t('notFound'), body: notFoundPage(tr) })
    const key = keyText(parseKey(parts.key))
    const d = await openDrive(ctx, key)
    const name = drivePath(parts.rest || '/')
    const file = !parts.trailingSlash && name !== '/' && !!(await d.localEntry(name))?.value?.blob
    const index = file ? null : await d.localEntry((name === '/' ? '' : name) + '/index.html')
    if (isHidden(name + (file ? '' : '/')) || (!file && !index?.value?.blob) || (file && fileKind(name) !== 'html')) {
      return renderPage(ctx, req, res, { status: 404, title: tr.t('notFound'), body: notFoundPage(tr) })
    }
    const title = `${name === '/' ? '' : `${name.split('/').pop()} · `}${d.info.title || key.slice(0, 8)}`
    renderPage(ctx, req, res, { title, body: siteFramePage(tr, key, title, name, !file, contentOrigin(req, ctx.config)) })
  }))

  // Bad keys, bad paths and unknown drives get a page in the visitor's language, not a bare text line.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = httpStatus(err)
    // A drive only other nodes hold, and none of them in reach: a page that says so, not a hang or a bare 503.
    if (isPortalError(err, 'NO_HOLDER') && req.accepts('html') === 'html' && !res.headersSent) {
      const tr = pickLanguage(req)
      return sendError(err, req, res, { json: false, page: (v) => renderPage(ctx, req, res, { status: v.status, title: tr.t('noHolder'), body: noHolderPage(tr) }) })
    }
    if (!isPortalError(err) || status >= 500 || req.accepts('html') !== 'html' || res.headersSent || req.path.startsWith('/api/')) return next(err)
    const tr = pickLanguage(req)
    sendError(err, req, res, { json: false, page: (v) => renderPage(ctx, req, res, { status: v.status, title: tr.t('notFound'), body: notFoundPage(tr) }) })
  })

  return { router, parts: [['live events', live]] }
}
