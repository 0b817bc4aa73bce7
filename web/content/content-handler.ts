// The untrusted-content port: drives opened as websites at /<key>/<path>, index.html for folders, so
// relative links work. Every answer carries `sandbox` without allow-same-origin: the page runs in an opaque
// origin, so its scripts can neither read this node's cookies nor call the portal or /admin as the visitor.
// PDFs are the exception to the sandbox: browsers refuse to show them in a sandboxed document, and a PDF
// viewer runs no page script; they still come from this separate origin, with nosniff.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { NodeContext } from '../../services/node/node-context.js'
import { drivePath, splitDriveUrl } from '../../services/storage/drive-path.js'
import type { DriveFileSender } from '../drive-files/serve-drive-file.js'
import { sendError } from '../server/error-handler.js'
import { coded } from '../i18n/error-text.js'
import { NOT_FOUND } from '../../services/errors.js'
import { parseKey, keyText } from '../../services/storage/drive-key.js'
import { isHidden } from '../../services/storage/library-drive.js'
import { openDrive } from '../../services/node/open-drive.js'

export const SITE_CSP = 'sandbox allow-scripts allow-forms allow-popups'
const SITE_HEADERS = { 'Content-Security-Policy': SITE_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' }
const PDF_HEADERS = { 'Content-Security-Policy': "default-src 'none'; object-src 'self'", 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' }

function plain (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SITE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  res.end(text + '\n')
}

export function contentHandler (ctx: NodeContext, sender: DriveFileSender): RequestListener {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Only GET and HEAD here.', { Allow: 'GET, HEAD' })
    const url = req.url ?? '/'
    if (url === '/' || url.startsWith('/?')) throw coded(NOT_FOUND, 'openFromPortal')
    const parts = splitDriveUrl(url, '/')
    if (!parts) throw coded(NOT_FOUND, 'nothingHere')
    const key = keyText(parseKey(parts.key))
    const d = await openDrive(ctx, key)
    // "/<key>" must become "/<key>/" or the site's relative links would resolve against the portal root.
    if (parts.rest === '') { res.writeHead(301, { ...SITE_HEADERS, Location: `/${key}/` }); res.end(); return }
    const name = drivePath(parts.rest)
    if (isHidden(name + (parts.trailingSlash ? '/' : ''))) throw coded(NOT_FOUND, 'nothingHere')
    const headers = /\.pdf$/i.test(name) ? PDF_HEADERS : SITE_HEADERS
    if (!parts.trailingSlash && await sender.serve(req, res, d, name, { headers })) return
    const index = (name === '/' ? '' : name) + '/index.html'
    if (!parts.trailingSlash) {
      // A folder asked without its slash: redirect, so that its index.html's relative links work.
      const hasIndex = await d.localEntry(index)
      if (hasIndex) { res.writeHead(301, { ...SITE_HEADERS, Location: url.replace(/^([^?#]*)/, '$1/') }); res.end(); return }
      throw coded(NOT_FOUND, 'nothingHere')
    }
    if (await sender.serve(req, res, d, index, { headers: SITE_HEADERS })) return
    throw coded(NOT_FOUND, 'noIndexHtml')
  }
  return (req, res) => {
    serve(req, res).catch((err) => sendError(err, req, res, { json: false, headers: SITE_HEADERS }))
  }
}
