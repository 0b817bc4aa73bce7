// Where an admin request comes from: the node itself (loopback) or the network, and the page that sent it.
import type { Request } from 'express'
import { FORBIDDEN } from '../../services/errors.js'

/** The TCP peer is this machine. `trust proxy` is off, so this is the socket's address, not a header. */
export function fromLoopback (req: Request): boolean {
  const a = req.socket.remoteAddress ?? ''
  return a === '::1' || /^(::ffff:)?127\./.test(a)
}

/**
 * The Host header names the node by a loopback name. With fromLoopback this defeats DNS rebinding: a web page
 * the node's own browser visits could resolve its name to 127.0.0.1, but its requests still carry its name.
 */
export function loopbackHost (req: Request): boolean {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * A state-changing request must come from a page of this same origin. Browsers send Origin on POSTs; a
 * sandboxed drive page sends "null", the content port sends its own origin, and neither can forge it.
 */
export function checkSameOrigin (req: Request): void {
  const host = req.headers.host
  const allowed = host ? [`http://${host}`, `https://${host}`] : []
  const origin = req.headers.origin
  if (origin !== undefined) {
    if (allowed.includes(origin)) return
    throw FORBIDDEN('This request came from another site or page, not from the admin page. Reload the admin page and try again.', { reason: 'otherOrigin' })
  }
  const referer = req.headers.referer
  if (referer !== undefined) {
    try {
      if (allowed.includes(new URL(referer).origin)) return
    } catch { /* a malformed Referer counts as none */ }
  }
  throw FORBIDDEN('This request did not say which page sent it (no Origin or Referer header), so it was refused. Use the admin page.', { reason: 'noOrigin' })
}

export function wantsJson (req: Request): boolean {
  return req.accepts(['text/html', 'application/json']) === 'application/json'
}
