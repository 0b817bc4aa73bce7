import { describe, it, expect, afterEach } from 'vitest'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import { HttpServer } from '../../web/server/http-server.js'
import { setLogLevel } from '../../services/log.js'

/** GET / on the port; resolves with the status and body, or with the error that ended the connection. */
function get (port: number): Promise<{ status: number, body: string } | { error: string, afterMs: number }> {
  const started = Date.now()
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, body }))
      res.on('error', (err) => resolve({ error: err.message, afterMs: Date.now() - started }))
    }).on('error', (err) => resolve({ error: err.message, afterMs: Date.now() - started }))
  })
}

describe('HttpServer: idle sockets', () => {
  let server: HttpServer | null = null
  afterEach(async () => {
    await server?.close()
    server = null
    setLogLevel('info')
  })

  async function serve (handler: http.RequestListener, opts: { idleTimeoutMs: number, answerLimitMs?: number }): Promise<number> {
    setLogLevel('silent')
    server = new HttpServer('127.0.0.1', [{ name: 'portal', port: 0, handler }], opts)
    await server.open()
    return server.port('portal')
  }

  it('keeps the socket of a request the portal is still answering past the idle time (a Wi-Fi join waits for the radio)', async () => {
    const port = await serve((req, res) => {
      // Answer only after the idle timeout has fired twice on this socket, however slow the host is.
      once(req.socket, 'timeout').then(() => once(req.socket, 'timeout')).then(() => res.end('joined'), () => res.destroy())
    }, { idleTimeoutMs: 300 })
    expect(await get(port)).toEqual({ status: 200, body: 'joined' })
  })

  it('closes a socket that goes idle once the answer has started (a client that stopped reading)', async () => {
    const port = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first part')
      // ... and nothing more.
    }, { idleTimeoutMs: 300 })
    const got = await get(port)
    expect(got).toMatchObject({ error: 'aborted' })
    expect((got as { afterMs: number }).afterMs).toBeLessThan(2000)
  })

  it('gives up on an answer that never starts after answerLimitMs', async () => {
    const port = await serve(() => { /* never answers */ }, { idleTimeoutMs: 200, answerLimitMs: 700 })
    const got = await get(port)
    expect(got).toMatchObject({ error: 'socket hang up' })
    expect((got as { afterMs: number }).afterMs).toBeGreaterThanOrEqual(650)
    expect((got as { afterMs: number }).afterMs).toBeLessThan(2500)
  })
})

describe('HttpServer: slow request bodies', () => {
  let server: HttpServer | null = null
  const sockets: net.Socket[] = []
  afterEach(async () => {
    for (const s of sockets) s.destroy()
    sockets.length = 0
    await server?.close()
    server = null
    setLogLevel('info')
  })

  /** Answers with the number of body bytes it read; `waitMs` first, like a handler whose disk is busy. */
  async function serve (opts: { bodyWindowMs: number, minBodyBytes: number }, waitMs = 0): Promise<number> {
    setLogLevel('silent')
    server = new HttpServer('127.0.0.1', [{
      name: 'portal',
      port: 0,
      handler: (req, res) => {
        setTimeout(() => {
          let n = 0
          req.on('data', (d: Buffer) => { n += d.length })
          req.on('end', () => res.end(String(n)))
        }, waitMs)
      }
    }], { idleTimeoutMs: 10_000, ...opts })
    await server.open()
    return server.port('portal')
  }

  /** A POST whose body is written by `feed`; resolves with what came back, once the node closes or answers. */
  function post (port: number, length: number, feed: (s: net.Socket) => void): Promise<{ text: string, closedAfterMs: number }> {
    const started = Date.now()
    return new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`)
        feed(s)
      })
      sockets.push(s)
      let text = ''
      s.on('data', (d) => { text += d.toString('latin1') })
      s.on('error', () => { /* a reset is how the server cuts it: 'close' follows */ })
      s.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }))
    })
  }

  /** Writes `chunk` every `everyMs` until `total` bytes are out or the socket is gone. */
  const drip = (chunk: Buffer, everyMs: number, total: number) => (s: net.Socket) => {
    let sent = 0
    const timer = setInterval(() => {
      if (s.destroyed || sent >= total) { clearInterval(timer); return }
      s.write(chunk)
      sent += chunk.length
    }, everyMs)
    s.on('close', () => clearInterval(timer))
  }

  it('closes a socket whose body arrives a byte at a time (slower than the minimum rate)', async () => {
    const port = await serve({ bodyWindowMs: 200, minBodyBytes: 100 })
    const deadline = new Promise<'still open'>(resolve => setTimeout(() => resolve('still open'), 5000).unref())
    const got = await Promise.race([post(port, 100_000, drip(Buffer.from('a'), 20, 100_000)), deadline])
    expect(got).not.toBe('still open')
    expect(got).toMatchObject({ text: '' })
  })

  it('lets a slow but steady upload through, however long it takes in all', async () => {
    const port = await serve({ bodyWindowMs: 200, minBodyBytes: 100 })
    const got = await post(port, 30 * 512, drip(Buffer.alloc(512, 'b'), 50, 30 * 512))
    expect(got.text).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n15360$/)
    expect(got.closedAfterMs).toBeGreaterThan(4 * 200)
  })

  it('does not blame the client while the portal is not reading the body yet (its disk is busy)', async () => {
    const port = await serve({ bodyWindowMs: 200, minBodyBytes: 100 }, 1200)
    const got = await post(port, 200_000, (s) => { s.write(Buffer.alloc(200_000, 'c')) })
    expect(got.text).toMatch(/\r\n\r\n200000$/)
  })
})
