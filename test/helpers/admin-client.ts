// Drives /admin like a browser would: keeps the session cookie, reads the CSRF token from the last page,
// and sends the page's own Origin with every form.
import http from 'node:http'
import type { Readable } from 'node:stream'

export interface AdminResponse { status: number, headers: Headers, text: string, json (): any }

export class AdminClient {
  cookie = ''
  csrf = ''
  origin: string
  /** The address to connect from (127.0.0.2, 127.0.0.3, …): another device, as far as the node can tell. */
  localAddress: string | undefined

  constructor (readonly base: string, opts: { origin?: string, localAddress?: string } = {}) {
    this.origin = opts.origin ?? base
    this.localAddress = opts.localAddress
  }

  async get (path: string, headers: Record<string, string> = {}): Promise<AdminResponse> {
    return this.request('GET', path, undefined, headers)
  }

  /** A form POST with the current CSRF token (unless `_csrf` is given) and Origin. */
  async post (path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<AdminResponse> {
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString()
    return this.request('POST', path, body, { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, ...headers })
  }

  async login (password: string): Promise<AdminResponse> {
    await this.get('/admin/login')
    const res = await this.post('/admin/login', { password })
    if (res.status === 303) await this.get('/admin')
    return res
  }

  /** http.request rather than fetch: fetch refuses to send a Host header, and tests need to forge one. */
  async request (method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<AdminResponse> {
    const url = new URL(this.base + path)
    const res = await new Promise<{ status: number, headers: Headers, text: string }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, localAddress: this.localAddress, path: url.pathname + url.search, method, headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers } }, (r) => {
        let text = ''
        r.setEncoding('utf8')
        r.on('data', (d) => { text += d })
        r.on('end', () => {
          const h = new Headers()
          for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : [v ?? '']) h.append(k, x)
          resolve({ status: r.statusCode!, headers: h, text })
        })
      })
      req.on('error', reject)
      req.end(body)
    })
    this.take(res.headers)
    const m = /name="_csrf" value="([^"]+)"/.exec(res.text)
    if (m) this.csrf = m[1]
    return { ...res, json: () => JSON.parse(res.text) }
  }

  take (headers: Headers | http.IncomingHttpHeaders): void {
    const set = headers instanceof Headers ? headers.getSetCookie() : (headers['set-cookie'] ?? [])
    for (const c of set) {
      const m = /^p2p_admin=([^;]*)/.exec(c)
      if (m) this.cookie = m[1] ? `p2p_admin=${m[1]}` : ''
    }
  }

  /**
   * A multipart upload whose file bodies are streamed (generated on the fly), sent with http.request so
   * nothing is buffered on the client side either. Field order is kept: fields first, like the forms.
   */
  upload (path: string, fields: Array<[string, string]>, files: Array<{ name: string, source: Readable | Buffer }>, opts: { headers?: Record<string, string>, contentLength?: number } = {}): Promise<{ status: number, body: string }> {
    const boundary = '----p2pportal' + Math.random().toString(16).slice(2)
    const url = new URL(this.base + path)
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        localAddress: this.localAddress,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          accept: 'application/json',
          origin: this.origin,
          ...(this.cookie ? { cookie: this.cookie } : {}),
          ...(opts.contentLength ? { 'content-length': String(opts.contentLength) } : {}),
          ...opts.headers
        }
      }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => { body += d })
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', reject)
      const write = (chunk: Buffer | string) => new Promise<void>((resolve) => { if (req.write(chunk)) resolve(); else req.once('drain', resolve) })
      ;(async () => {
        for (const [k, v] of fields) await write(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
        for (const f of files) {
          await write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`)
          if (Buffer.isBuffer(f.source)) await write(f.source)
          else for await (const chunk of f.source) await write(chunk)
          await write('\r\n')
        }
        req.end(`--${boundary}--\r\n`)
      })().catch((err) => { req.destroy(err) })
    })
  }
}

export function csrfOf (html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
}
