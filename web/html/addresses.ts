// The addresses a page points at: the host the visitor used, the node's IP literal (for QR codes and the
// captive launch pad: Android does not resolve .local names), and the untrusted-content origin.
import type { IncomingMessage } from 'node:http'
import net from 'node:net'
import os from 'node:os'
import type { Config } from '../../services/config/config.js'

/** The Host header's name part, lower-case, without port or IPv6 brackets; '' when absent or malformed. */
export function hostName (req: Pick<IncomingMessage, 'headers'>): string {
  const h = String(req.headers.host ?? '').trim().toLowerCase()
  if (!h || h.length > 255) return ''
  const m = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d+)?$/.exec(h)
  return m ? m[1] : ''
}

/** The node's address on the interface this request came in on. */
export function localIp (req: IncomingMessage): string {
  const a = req.socket.localAddress ?? '127.0.0.1'
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

export function clientIp (req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

function hostPart (host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host
}

function port (req: IncomingMessage, fallback: number): number {
  return req.socket.localPort ?? fallback
}

/** The first LAN address of this machine (a visitor on the node itself is given an address others can use). */
function lanIp (): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return null
}

/** "http://10.42.0.1/" (the port only when it is not 80). */
export function ipLiteralUrl (req: IncomingMessage, config: Config): string {
  const p = port(req, config.port)
  let ip = localIp(req)
  if (ip === '127.0.0.1' || ip === '::1') ip = lanIp() ?? ip
  return `http://${hostPart(ip)}${p === 80 ? '' : ':' + p}/`
}

/** Where drive websites are served: the same host the visitor used, on the content port. */
export function contentOrigin (req: IncomingMessage, config: Config, contentPort = config.contentPort): string {
  const host = hostName(req) || localIp(req)
  return `http://${hostPart(host)}${contentPort === 80 ? '' : ':' + contentPort}`
}
