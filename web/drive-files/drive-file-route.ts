// GET/HEAD /d/<key>/<path>: where a phone's request for a file in a drive is answered (see README, "The
// contract"). Three ways in, one answer: the front door's hot answer (bytes already in memory, at the socket),
// the fast path (straight from node:http, without express), and the express route (captive mode).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Router, type Request, type Response, type NextFunction } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import type { LibraryDrive } from '../../services/storage/library-drive.js'
import { drivePath, splitDriveUrl } from '../../services/storage/drive-path.js'
import { parseKey, keyText } from '../../services/storage/drive-key.js'
import { isHidden } from '../../services/storage/library-drive.js'
import { FILE_NOT_FOUND } from '../../services/errors.js'
import { coded } from '../i18n/error-text.js'
import { openDrive } from '../../services/node/open-drive.js'
import { Resource } from '../../services/lifecycle/resource.js'
import { DriveFileSender, findDriveFile, type DriveFile, type ServeOptions } from './serve-drive-file.js'
import type { HotAnswer, HotRequest } from '../server/front-door.js'

// Content from any peer, shown on the portal's own origin: it may be displayed but never run there.
export const UNTRUSTED_HEADERS = {
  'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'",
  'X-Frame-Options': 'SAMEORIGIN'
}

// The files last asked for by URL, so a repeat request (every phone loading the same thumbnails) is answered
// without parsing the key, decoding the path or looking the entry up again. Valid while the drive is still
// here at the same version.
const MAX_HOT_URLS = 2000
interface HotUrl { id: string, file: DriveFile, opts: ServeOptions }

export class DriveFileRoute extends Resource {
  readonly sender: DriveFileSender
  private readonly hotUrls = new Map<string, HotUrl>()
  // A removed drive's entries would otherwise keep its closed session in memory until pushed out.
  private readonly onDriveRemoved = (drive: LibraryDrive) => {
    for (const [url, h] of this.hotUrls) if (h.file.drive === drive) this.hotUrls.delete(url)
  }

  constructor (private readonly ctx: NodeContext) {
    super()
    this.sender = new DriveFileSender(ctx.library.garbage)
  }

  protected override async _open (): Promise<void> {
    this.ctx.library.on('drive-removed', this.onDriveRemoved)
  }

  protected override async _close (): Promise<void> {
    this.ctx.library.off('drive-removed', this.onDriveRemoved)
    this.hotUrls.clear()
    this.sender.close()
  }

  /**
   * Answers a GET/HEAD for a URL served before, if its drive is still here at the same version and the file's
   * bytes are in memory, synchronously; otherwise writes nothing and returns false.
   */
  readonly hot: HotAnswer = (req, res) => {
    const hot = this.hotUrls.get(req.url)
    const { library } = this.ctx
    if (!hot || hot.file.version !== hot.file.drive.version || library.get(hot.id) !== hot.file.drive) return false
    if (!this.sender.sendCached(req, res, hot.file, hot.opts)) return false
    library.touch(hot.id)
    return true
  }

  /**
   * GET/HEAD /d/<key>/<path> straight from the HTTP server, without the router: this is the hot path (every
   * photo, every video range) and the Pi's one core is better spent on bytes than on middleware.
   * Returns false for requests it does not take.
   */
  readonly fastPath = (req: IncomingMessage, res: ServerResponse, fail: (err: unknown) => void): boolean => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url?.startsWith('/d/')) return false
    const url = req.url
    if (this.hot(req as HotRequest, res)) return true
    this.serveUrl(req, res, url).then((served) => {
      if (!served) fail(noFile(drivePath(splitDriveUrl(url, '/d/')!.rest)))
    }, fail)
    return true
  }

  /** The same answer through express (captive mode sends every request through the router). */
  router (): Router {
    const router = Router()
    const file = async (req: Request, res: Response, next: NextFunction) => {
      const parts = splitDriveUrl(req.originalUrl, '/d/')
      if (!parts) return next()
      if (!(await this.serveUrl(req, res, req.originalUrl))) {
        throw noFile(drivePath(parts.rest))
      }
    }
    router.get(/^\/d\//, (req, res, next) => { file(req, res, next).catch(next) })
    router.head(/^\/d\//, (req, res, next) => { file(req, res, next).catch(next) })
    return router
  }

  private async serveUrl (req: IncomingMessage, res: ServerResponse, url: string): Promise<boolean> {
    const parts = splitDriveUrl(url, '/d/')!
    const key = keyText(parseKey(parts.key))
    const name = drivePath(parts.rest)
    const drive = await openDrive(this.ctx, key)
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
    const opts: ServeOptions = { headers: UNTRUSTED_HEADERS, download: /(^|&)download(=|&|$)/.test(query) }
    // The node's own metadata folder travels inside each drive but is not part of what visitors see.
    if (name === '/' || isHidden(name)) return false
    const file = await findDriveFile(drive, name)
    if (!file) return false
    // Only files whose bytes can come from the block cache whole (one block, or none) are ever answered hot.
    // A browsed drive is not the library's: the hot check (library.get) would never match it.
    if (!drive.sparse && (!file.blob || file.blob.blockLength === 1)) {
      // Looked up again (a newer version): it moves to the newest end instead of pushing another URL out.
      if (!this.hotUrls.delete(url) && this.hotUrls.size >= MAX_HOT_URLS) this.hotUrls.delete(this.hotUrls.keys().next().value!)
      this.hotUrls.set(url, { id: key, file, opts })
    }
    await this.sender.send(req, res, file, opts)
    return true
  }
}

function noFile (name: string) {
  return coded(FILE_NOT_FOUND, 'noSuchFile', { name })
}
