// The node's own HTTP contract: GET /api/status and GET /d/<key>/<path> (see README, "The contract").
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Router, type Request, type Response, type NextFunction } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import { nodeStatus } from '../../services/node/node-status.js'
import { drivePath, splitDriveUrl } from '../../services/storage/drive-path.js'
import { findDriveFile, sendDriveFile, sendCachedDriveFile, type DriveFile, type ServeOptions } from './serve-drive-file.js'
import { parseKey, keyText } from '../../services/storage/drive-key.js'
import { FILE_NOT_FOUND } from '../../services/errors.js'
import { isHidden } from '../../services/storage/library-drive.js'
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
const hotUrlsByNode = new WeakMap<NodeContext, Map<string, HotUrl>>()

function hotUrlsOf (ctx: NodeContext): Map<string, HotUrl> {
  let hot = hotUrlsByNode.get(ctx)
  if (!hot) {
    const urls = hot = new Map()
    // A removed drive's entries would otherwise keep its closed session in memory until pushed out.
    ctx.library.on('drive-removed', (drive) => { for (const [url, h] of urls) if (h.file.drive === drive) urls.delete(url) })
    hotUrlsByNode.set(ctx, hot)
  }
  return hot
}

/**
 * Answers a GET/HEAD for a URL served before, if its drive is still here at the same version and the file's
 * bytes are in memory, synchronously; otherwise writes nothing and returns false.
 */
export function hotDriveFiles (ctx: NodeContext): HotAnswer {
  const hotUrls = hotUrlsOf(ctx)
  return (req, res) => {
    const hot = hotUrls.get(req.url)
    if (!hot || hot.file.version !== hot.file.drive.version || ctx.library.get(hot.id) !== hot.file.drive) return false
    if (!sendCachedDriveFile(req, res, hot.file, hot.opts)) return false
    ctx.library.touch(hot.id)
    return true
  }
}

/**
 * GET/HEAD /d/<key>/<path> straight from the HTTP server, without the router: this is the hot path (every
 * photo, every video range) and the Pi's one core is better spent on bytes than on middleware.
 * Returns false for requests it does not take.
 */
export function driveFileFastPath (ctx: NodeContext): (req: IncomingMessage, res: ServerResponse, fail: (err: unknown) => void) => boolean {
  const hot = hotDriveFiles(ctx)
  return (req, res, fail) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url?.startsWith('/d/')) return false
    const url = req.url
    if (hot(req as HotRequest, res)) return true
    serveFromUrl(ctx, req, res, url).then((served) => {
      if (!served) fail(FILE_NOT_FOUND(`No file ${drivePath(splitDriveUrl(url, '/d/')!.rest)} in this drive.`))
    }, fail)
    return true
  }
}

async function serveFromUrl (ctx: NodeContext, req: IncomingMessage, res: ServerResponse, url: string): Promise<boolean> {
  const parts = splitDriveUrl(url, '/d/')!
  const key = keyText(parseKey(parts.key))
  const name = drivePath(parts.rest)
  const drive = ctx.library.require(key)
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  const opts: ServeOptions = { headers: UNTRUSTED_HEADERS, download: /(^|&)download(=|&|$)/.test(query) }
  // The node's own metadata folder travels inside each drive but is not part of what visitors see.
  if (name === '/' || isHidden(name)) return false
  const file = await findDriveFile(drive, name)
  if (!file) return false
  // Only files whose bytes can come from the block cache whole (one block, or none) are ever answered hot.
  if (!file.blob || file.blob.blockLength === 1) {
    const hotUrls = hotUrlsOf(ctx)
    // Looked up again (a newer version): it moves to the newest end instead of pushing another URL out.
    if (!hotUrls.delete(url) && hotUrls.size >= MAX_HOT_URLS) hotUrls.delete(hotUrls.keys().next().value!)
    hotUrls.set(url, { id: key, file, opts })
  }
  await sendDriveFile(req, res, file, opts)
  return true
}

export function nodeApi (ctx: NodeContext): Router {
  const router = Router()

  router.get('/api/status', (req, res, next) => {
    nodeStatus(ctx).then((s) => { res.setHeader('Cache-Control', 'no-store'); res.json(s) }, next)
  })

  const file = async (req: Request, res: Response, next: NextFunction) => {
    const parts = splitDriveUrl(req.originalUrl, '/d/')
    if (!parts) return next()
    if (!(await serveFromUrl(ctx, req, res, req.originalUrl))) {
      throw FILE_NOT_FOUND(`No file ${drivePath(parts.rest)} in this drive.`)
    }
  }
  router.get(/^\/d\//, (req, res, next) => { file(req, res, next).catch(next) })
  router.head(/^\/d\//, (req, res, next) => { file(req, res, next).catch(next) })
  return router
}
