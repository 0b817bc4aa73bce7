// Pages go out gzipped when the browser takes it (the first page over a crowded hotspot must stay small).
// Only whole, generated pages: file and Range responses are never compressed (offsets must stay byte-exact).
import zlib from 'node:zlib'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface SendOptions {
  status?: number
  type?: string
  /** Extra headers (CSP, Cache-Control…). */
  headers?: Record<string, string>
}

export function acceptsGzip (req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
}

export function sendBody (req: IncomingMessage, res: ServerResponse, body: string | Buffer, opts: SendOptions = {}): void {
  const raw = typeof body === 'string' ? Buffer.from(body) : body
  res.statusCode = opts.status ?? 200
  res.setHeader('Content-Type', opts.type ?? 'text/html; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Vary', 'Accept-Encoding')
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-cache')
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v)
  let out = raw
  // Below a packet, gzip saves nothing worth the CPU.
  if (raw.length > 1024 && acceptsGzip(req)) {
    out = zlib.gzipSync(raw, { level: 6 })
    res.setHeader('Content-Encoding', 'gzip')
  }
  res.setHeader('Content-Length', String(out.length))
  if (req.method === 'HEAD') { res.end(); return }
  res.end(out)
}
