import { describe, it, expect } from 'vitest'
import { parseHead } from '../../web/server/front-door.js'

describe('parseHead: what the front door answers itself', () => {
  it('takes a plain GET or HEAD over HTTP/1.1 with a Host, header names lower-cased', () => {
    expect(parseHead('GET /d/k/a.jpg HTTP/1.1\r\nHost: portal.local\r\nRange: bytes=0-9')).toEqual({
      method: 'GET', url: '/d/k/a.jpg', headers: { host: 'portal.local', range: 'bytes=0-9' }
    })
    expect(parseHead('HEAD /x HTTP/1.1\r\nhost: a\r\nConnection: keep-alive')?.method).toBe('HEAD')
  })

  it.each([
    ['another method', 'POST /d/k/a HTTP/1.1\r\nHost: a'],
    ['HTTP/1.0', 'GET /d/k/a HTTP/1.0\r\nHost: a'],
    ['no Host', 'GET /d/k/a HTTP/1.1\r\nAccept: */*'],
    ['a body', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5'],
    ['chunked', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked'],
    ['Connection: close', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nConnection: close'],
    ['an upgrade', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nUpgrade: websocket'],
    ['a repeated header', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nHost: b'],
    ['a control character in a value', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\x00'],
    ['a folded line', 'GET /d/k/a HTTP/1.1\r\nHost: a\r\n  folded'],
    ['a space in the target', 'GET /d/k/a b HTTP/1.1\r\nHost: a'],
    ['an absolute target', 'GET http://a/d/k HTTP/1.1\r\nHost: a']
  ])('leaves %s to node:http', (_what, head) => {
    expect(parseHead(head)).toBeNull()
  })
})
