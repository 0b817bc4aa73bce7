import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { PROBE_CASES } from '../../helpers/probe-cases.js'


let t: TestNode
let port: number

beforeAll(async () => {
  t = await startTestNode([['captive', 'on'], ['name', 'Library Pi'], ['portal-host', 'portal.lan']])
  port = Number(new URL(t.url).port)
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

// fetch() will not send a foreign Host header; a phone whose DNS answers with the node's address does.
function req (host: string, path: string, method = 'GET'): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path, method, headers: { host }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c) => { body += c }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    r.on('error', reject)
    r.end()
  })
}

describe('captive portal', () => {
  it('sends every foreign host to the welcome page with 302 and no-store', async () => {
    for (const c of [...PROBE_CASES, { host: 'example.com', path: '/some/page?x=1' }]) {
      const r = await req(c.host, c.path)
      expect(r.status, c.host).toBe(302)
      expect(r.headers.location).toBe(`http://portal.lan:${port}/welcome`)
      expect(r.headers['cache-control']).toBe('no-store')
    }
  })

  it('serves its own host names and addresses normally', async () => {
    for (const host of ['portal.lan', `127.0.0.1:${port}`, 'library-pi.local', `p2p-${t.node.library.nodeKey.slice(0, 8)}.local`, 'localhost']) {
      expect((await req(host, '/')).status, host).toBe(200)
    }
  })

  it('the welcome page has a real form POST for Continue, the IP-literal address, a copy button and a QR code', async () => {
    const r = await req('portal.lan', '/welcome')
    expect(r.status).toBe(200)
    expect(r.headers['cache-control']).toBe('no-store')
    expect(r.body).toContain('<form method="post" action="/welcome"><button type="submit">Continue</button></form>')
    expect(r.body).toContain(`<p class="addr" id="addr">http://`)
    expect(r.body).toMatch(/<button type="button" data-copy="http:\/\/[^"]+" data-done="Copied" hidden>/)
    expect(r.body).toMatch(/<div class="qr"><svg role="img"/)
  })

  it('answers Continue with 303, and from then on gives that client every OS its "online" answer', async () => {
    const before = await Promise.all(PROBE_CASES.map(c => req(c.host, c.path)))
    for (const r of before) expect(r.status).toBe(302)
    const post = await req('portal.lan', '/welcome', 'POST')
    expect(post.status).toBe(303)
    expect(post.headers.location).toBe('/welcome')
    for (const c of PROBE_CASES) {
      const r = await req(c.host, c.path)
      expect(r.status, c.os).toBe(c.status)
      expect(r.body, c.os).toBe(c.body)
      expect(r.headers['cache-control'], c.os).toBe('no-store')
      if (c.header) expect(r.headers[c.header[0]]).toBe(c.header[1])
    }
    // Other sites still lead to the portal (there is no Internet), now to its home page.
    expect((await req('example.com', '/')).headers.location).toBe(`http://portal.lan:${port}/`)
    expect((await req('portal.lan', '/welcome')).body).toContain('You are connected.')
  })
})

describe('venue mode (not captive)', () => {
  it('serves any host and answers probes like any other path', async () => {
    const v = await startTestNode()
    try {
      const r = await fetch(`${v.url}/generate_204`)
      expect(r.status).toBe(404)
    } finally { await v.close() }
  })
})
