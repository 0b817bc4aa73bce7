import { describe, it, expect, afterEach } from 'vitest'
import http from 'node:http'
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
    const port = await serve(async (req, res) => {
      // Answer only after the idle timeout has fired twice on this socket, however slow the host is.
      await once(req.socket, 'timeout')
      await once(req.socket, 'timeout')
      res.end('joined')
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
    const port = await serve(() => {}, { idleTimeoutMs: 200, answerLimitMs: 700 })
    const got = await get(port)
    expect(got).toMatchObject({ error: 'socket hang up' })
    expect((got as { afterMs: number }).afterMs).toBeGreaterThanOrEqual(650)
    expect((got as { afterMs: number }).afterMs).toBeLessThan(2500)
  })
})
