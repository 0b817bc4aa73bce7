import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import crypto from 'node:crypto'
import http from 'node:http'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { BLOCK_SIZE } from '../../../services/publish/folder-publisher.js'

let t: TestNode
let key: string
const big = crypto.randomBytes(3 * BLOCK_SIZE + 12345)

beforeAll(async () => {
  t = await startTestNode()
  const d = await t.node.library.createOwnDrive({ title: 'Archive', description: 'test' })
  await d.drive.put('/hello.txt', Buffer.from('hello world'))
  await d.drive.put('/photos/Café.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))
  await d.drive.put('/page.html', Buffer.from('<script>alert(1)</script>'))
  const ws = d.drive.createWriteStream('/video.mp4')
  for (let i = 0; i < big.length; i += BLOCK_SIZE) ws.write(big.subarray(i, i + BLOCK_SIZE))
  await new Promise<void>((resolve, reject) => { ws.on('close', resolve); ws.on('error', reject); ws.end() })
  await d.refresh()
  key = d.id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const get = (path: string, headers: Record<string, string> = {}) => fetch(t.url + path, { headers })
// fetch() resolves "%2e%2e" on the client like a browser does; an attacker's raw request does not.
const rawGet = (path: string) => new Promise<number>((resolve, reject) => {
  http.get(t.url + '/', { path }, (res) => { res.resume(); resolve(res.statusCode!) }).on('error', reject)
})

describe('GET /api/status', () => {
  it('describes the node, its peers and every drive with the contract fields', async () => {
    const s = await (await get('/api/status')).json()
    expect(s.node.key).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/)
    expect(s.peers).toEqual([])
    expect(s.drives).toHaveLength(1)
    expect(s.drives[0]).toMatchObject({ key, title: 'Archive', own: true, files: 4, peers: 0 })
    expect(s.drives[0].bytes).toBe(11 + 4 + 25 + big.length)
    expect(s.drives[0].localBytes).toBe(s.drives[0].bytes)
    expect(s.drives[0].version).toBeGreaterThan(1)
  })
})

describe('GET /d/<key>/<path>', () => {
  it('serves a file with its type, length and ETag', async () => {
    const r = await get(`/d/${key}/hello.txt`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(r.headers.get('content-length')).toBe('11')
    expect(r.headers.get('etag')).toMatch(/^".+"$/)
    expect(await r.text()).toBe('hello world')
  })

  it('answers a matching If-None-Match with 304', async () => {
    const etag = (await get(`/d/${key}/hello.txt`)).headers.get('etag')!
    expect((await get(`/d/${key}/hello.txt`, { 'if-none-match': etag })).status).toBe(304)
  })

  it('serves byte ranges of a multi-block file exactly (206, inclusive end)', async () => {
    for (const [start, end] of [[0, 0], [BLOCK_SIZE - 5, BLOCK_SIZE + 5], [big.length - 10, big.length - 1], [12345, 2 * BLOCK_SIZE + 99]]) {
      const r = await get(`/d/${key}/video.mp4`, { range: `bytes=${start}-${end}` })
      expect(r.status).toBe(206)
      expect(r.headers.get('content-range')).toBe(`bytes ${start}-${end}/${big.length}`)
      expect(Buffer.from(await r.arrayBuffer()).equals(big.subarray(start, end + 1))).toBe(true)
    }
    const suffix = await get(`/d/${key}/video.mp4`, { range: 'bytes=-100' })
    expect(Buffer.from(await suffix.arrayBuffer()).equals(big.subarray(big.length - 100))).toBe(true)
  })

  it('serves a whole multi-block file byte-identical', async () => {
    const r = await get(`/d/${key}/video.mp4`)
    expect(r.headers.get('content-type')).toBe('video/mp4')
    expect(Buffer.from(await r.arrayBuffer()).equals(big)).toBe(true)
  })

  it('answers an unsatisfiable range with 416 and the size', async () => {
    const r = await get(`/d/${key}/hello.txt`, { range: 'bytes=500-600' })
    expect(r.status).toBe(416)
    expect(r.headers.get('content-range')).toBe('bytes */11')
  })

  it('ignores absurd or malformed Range headers safely', async () => {
    for (const range of ['bytes=99999999999999999999-', 'bytes=abc', 'lines=1-2', 'bytes=' + '1-2,'.repeat(2000)]) {
      const r = await get(`/d/${key}/hello.txt`, { range })
      expect([200, 206, 416]).toContain(r.status)
      await r.arrayBuffer()
    }
  })

  it('serves non-Latin file names', async () => {
    const r = await get(`/d/${key}/photos/Caf%C3%A9.jpg`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/jpeg')
  })

  it('never lets drive HTML run on the portal origin (sandbox CSP, nosniff)', async () => {
    const r = await get(`/d/${key}/page.html`)
    expect(r.headers.get('content-security-policy')).toMatch(/^sandbox/)
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('answers 404 with a short message for an unknown drive or file', async () => {
    const unknown = 'y'.repeat(52)
    const r1 = await get(`/d/${unknown}/x`, { accept: 'text/plain' })
    expect(r1.status).toBe(404)
    expect(await r1.text()).toMatch(/No drive/)
    const r2 = await get(`/d/${key}/missing.txt`)
    expect(r2.status).toBe(404)
  })

  it.each(['/d/not-a-key/x', '/d/KEY/../../etc/passwd', `/d/KEY/%2e%2e/%2e%2e/etc/passwd`, `/d/KEY/a%00b`, `/d/KEY/..%5c..%5cwin.ini`, `/d/KEY/%252e%252e/x`])(
    'answers 400 for a malformed key or an escaping path: %s', async (p) => {
      expect(await rawGet(p.replace('KEY', key))).toBe(400)
    })

  it('answers HEAD with headers only', async () => {
    const r = await fetch(`${t.url}/d/${key}/hello.txt`, { method: 'HEAD' })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-length')).toBe('11')
  })
})

describe('repeat requests answered from memory', () => {
  it('serves the new bytes once a path is overwritten, never the remembered ones', async () => {
    const d = await t.node.library.createOwnDrive({ title: 'Changing', description: '' })
    await d.drive.put('/news.txt', Buffer.from('old news'))
    for (let i = 0; i < 3; i++) expect(await (await get(`/d/${d.id}/news.txt`)).text()).toBe('old news')
    const oldTag = (await get(`/d/${d.id}/news.txt`)).headers.get('etag')
    await d.drive.put('/news.txt', Buffer.from('fresh news!'))
    const r = await get(`/d/${d.id}/news.txt`, { 'if-none-match': oldTag! })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-length')).toBe('11')
    expect(await r.text()).toBe('fresh news!')
  })

  it('keeps Range, If-None-Match and HEAD exact on a remembered file', async () => {
    for (let i = 0; i < 2; i++) await (await get(`/d/${key}/hello.txt`)).arrayBuffer()
    const part = await get(`/d/${key}/hello.txt`, { range: 'bytes=6-' })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 6-10/11')
    expect(await part.text()).toBe('world')
    expect((await get(`/d/${key}/hello.txt`, { range: 'bytes=50-60' })).status).toBe(416)
    const etag = (await get(`/d/${key}/hello.txt`)).headers.get('etag')!
    expect((await get(`/d/${key}/hello.txt`, { 'if-none-match': etag })).status).toBe(304)
    const head = await fetch(`${t.url}/d/${key}/hello.txt`, { method: 'HEAD' })
    expect(head.headers.get('content-length')).toBe('11')
    expect(head.headers.get('content-security-policy')).toMatch(/sandbox/)
  })

  it('stops serving a remembered file the moment its drive is blocked', async () => {
    const d = await t.node.library.createOwnDrive({ title: 'Doomed', description: '' })
    await d.drive.put('/x.txt', Buffer.from('soon gone'))
    for (let i = 0; i < 3; i++) expect((await get(`/d/${d.id}/x.txt`)).status).toBe(200)
    await t.node.library.remove(d.id, { block: true })
    const r = await get(`/d/${d.id}/x.txt`)
    expect(r.status).toBe(410)
    expect(await r.text()).not.toContain('soon gone')
  })

  it('serves many concurrent downloads of a multi-block file byte-identical', async () => {
    const bodies = await Promise.all(Array.from({ length: 20 }, () => get(`/d/${key}/video.mp4`).then(r => r.arrayBuffer())))
    for (const b of bodies) expect(Buffer.from(b).equals(big)).toBe(true)
  })
})
