import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { sampleDrive, SITE_INDEX } from '../../helpers/portal-drive.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode()
  key = (await sampleDrive(t)).id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const get = (path: string, headers: Record<string, string> = {}) => fetch(t.contentUrl + path, { headers, redirect: 'manual' })
const rawGet = (base: string, path: string, headers: Record<string, string> = {}) => new Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }>((resolve, reject) => {
  const u = new URL(base)
  http.get({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
    let body = ''
    res.setEncoding('latin1').on('data', (c) => { body += c }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
  }).on('error', reject)
})

describe('drive websites on the content port', () => {
  it('serves index.html for the drive root with the sandbox CSP (scripts, no same-origin) and nosniff', async () => {
    const r = await get(`/${key}/`)
    expect(r.status).toBe(200)
    expect(await r.text()).toBe(SITE_INDEX)
    expect(r.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups')
    expect(r.headers.get('content-security-policy')).not.toContain('allow-same-origin')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('redirects /<key> and folders without a slash so relative links resolve inside the drive', async () => {
    const r = await get(`/${key}`)
    expect(r.status).toBe(301)
    expect(r.headers.get('location')).toBe(`/${key}/`)
    expect((await get(`/${key}/docs/page.html`)).status).toBe(200)
  })

  it('keeps the sandbox on errors and on every file type', async () => {
    for (const p of [`/${key}/nope.html`, `/${key}/docs/notes.txt`, `/${key}/pics/plain.jpg`, '/', '/zzz/']) {
      const r = await get(p)
      expect(r.headers.get('content-security-policy'), p).toContain('sandbox')
    }
  })

  it('says in the visitor’s language that a folder is not a website, or that drives open from the portal, keeping the sandbox', async () => {
    const folder = await get(`/${key}/pics/`, { 'accept-language': 'es' })
    expect(folder.status).toBe(404)
    expect(folder.headers.get('content-security-policy')).toContain('sandbox')
    expect(await folder.text()).toBe('Esta carpeta no es un sitio web: no tiene index.html.\n')
    expect(await (await get(`/${key}/pics/`)).text()).toBe('This folder is not a website: it has no index.html.\n')
    expect(await (await get('/', { 'accept-language': 'ar' })).text()).toBe('افتح قرصًا من البوابة: هذا العنوان يقدّم مواقع الأقراص فقط.\n')
    expect(await (await get(`/${key}/nope/`, { 'accept-language': 'fr' })).text()).toBe('Ce dossier n’est pas un site web : il n’a pas d’index.html.\n')
  })

  it('hides the node metadata folder and refuses writes', async () => {
    expect((await get(`/${key}/.p2p-portal/drive.json`)).status).toBe(404)
    expect((await fetch(`${t.contentUrl}/${key}/`, { method: 'POST', body: 'x' })).status).toBe(405)
  })

  it('serves Range requests for media, uncompressed', async () => {
    const r = await get(`/${key}/media/talk.webm`, { range: 'bytes=1000-1999', 'accept-encoding': 'gzip' })
    expect(r.status).toBe(206)
    expect(r.headers.get('content-range')).toBe('bytes 1000-1999/300000')
    expect(r.headers.get('content-encoding')).toBeNull()
    expect((await r.arrayBuffer()).byteLength).toBe(1000)
  })

  it('refuses traversal in every spelling without serving a byte from outside the drive', async () => {
    for (const p of [`/${key}/../../etc/passwd`, `/${key}/%2e%2e/%2e%2e/etc/passwd`, `/${key}/%252e%252e/etc/passwd`,
      `/${key}/..%5c..%5cetc%5cpasswd`, `/${key}/docs%2f..%2f..%2fetc`, `/${key}/a%00.html`, `/${key}/%ff`, '/not-a-key/index.html', `/${'y'.repeat(52)}/`]) {
      const r = await rawGet(t.contentUrl, p)
      expect(r.status, p).toBeGreaterThanOrEqual(400)
      expect(r.status, p).toBeLessThan(500)
      expect(r.body).not.toContain('root:')
    }
  })
})

describe('untrusted bytes on the portal port', () => {
  it('keep the sandbox CSP on /d/ and on thumbnails', async () => {
    for (const p of [`/d/${key}/index.html`, `/thumb/${key}/pics/camera.jpg`]) {
      const r = await fetch(t.url + p)
      expect(r.status, p).toBe(200)
      expect(r.headers.get('content-security-policy'), p).toMatch(/^sandbox/)
      expect(r.headers.get('x-content-type-options'), p).toBe('nosniff')
    }
  })

  it('hide the node metadata folder on /d/ too', async () => {
    expect((await fetch(`${t.url}/d/${key}/.p2p-portal/drive.json`)).status).toBe(404)
  })

  it('never compress Range responses on /d/', async () => {
    const r = await fetch(`${t.url}/d/${key}/media/talk.webm`, { headers: { range: 'bytes=0-99', 'accept-encoding': 'gzip' } })
    expect(r.status).toBe(206)
    expect(r.headers.get('content-encoding')).toBeNull()
  })
})
