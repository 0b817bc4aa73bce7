// Managing the node from /admin: follow by key, pin, block and unblock, caps that survive a restart,
// Wi-Fi through the network helper (or a clear message without it), and USB import/export.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'
import { NetdClient } from '../../../services/netd/netd-client.js'
import { NetdServer } from '../../../services/netd/netd-server.js'
import { WifiAdapter } from '../../../services/wifi/wifi-adapter.js'
import { createFakeNmcli } from '../../helpers/fake-nmcli.js'

const KEY = 'f'.repeat(64)
afterAll(removeTempDirs)

describe('drives and caps', () => {
  let n: TestNode
  let c: AdminClient
  let data: string
  beforeAll(async () => {
    data = await tempDir('p2p-admin-data-')
    n = await startAdminNode({ data })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
  })
  afterAll(() => n.close())

  it('answers a malformed key with a clear 400 that says what a key looks like', async () => {
    const res = await c.post('/admin/follow', { key: 'not-a-key' })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/is not a drive key: expected 52 z-base-32 characters .* or 64 hex digits/)
    const json = await c.post('/admin/follow', { key: 'zzz' }, { accept: 'application/json' })
    expect(json.json().error.code).toBe('BAD_KEY')
  })

  it('follows a drive by key: it is held, followed, and listed on the overview', async () => {
    const res = await c.post('/admin/follow', { key: KEY })
    expect(res.status).toBe(303)
    const z = n.node.library.list()[0].id
    expect(n.node.library.record(z)).toMatchObject({ followed: true })
    const page = await c.get('/admin')
    expect(page.text).toContain(z)
    expect(page.text).toMatch(/Following/)
  })

  it('pins and unpins', async () => {
    const z = n.node.library.list()[0].id
    expect((await c.post(`/admin/drives/${z}/pin`)).status).toBe(303)
    expect(n.node.library.record(z)!.pinned).toBe(true)
    expect((await c.post(`/admin/drives/${z}/unpin`)).status).toBe(303)
    expect(n.node.library.record(z)!.pinned).toBe(false)
  })

  it('blocks only after confirmation, then unblocks', async () => {
    const z = n.node.library.list()[0].id
    const confirm = await c.get(`/admin/drives/${z}/block`)
    expect(confirm.text).toMatch(/Block and delete/)
    expect((await c.post(`/admin/drives/${z}/block`)).status).toBe(400)
    expect(n.node.library.has(z)).toBe(true)
    expect((await c.post(`/admin/drives/${z}/block`, { confirm: 'yes' })).status).toBe(303)
    expect(n.node.library.has(z)).toBe(false)
    expect(n.node.library.isBlocked(z)).toBe(true)
    expect((await c.post('/admin/follow', { key: z })).status).toBe(410)
    expect((await c.post('/admin/unblock', { key: z })).status).toBe(303)
    expect(n.node.library.isBlocked(z)).toBe(false)
  })

  it('saves caps to settings.json, applies them at once, and a restart keeps them', async () => {
    expect((await c.post('/admin/caps', { maxDrive: '3G', maxTotal: '2G' })).status).toBe(400)
    expect((await c.post('/admin/caps', { maxDrive: 'lots', maxTotal: '2G' })).status).toBe(400)
    expect((await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '3G' })).status).toBe(303)
    expect(n.node.mirror.settings).toMatchObject({ maxDriveBytes: 700 * 1024 ** 2, maxTotalBytes: 3 * 1024 ** 3 })
    expect(JSON.parse(fs.readFileSync(path.join(data, 'settings.json'), 'utf8'))).toEqual({ maxDriveBytes: 700 * 1024 ** 2, maxTotalBytes: 3 * 1024 ** 3 })
    expect((await (await fetch(n.url + '/api/status')).json()).disk).toMatchObject({ cap: 3 * 1024 ** 3, perDriveCap: 700 * 1024 ** 2 })
    await n.close()
    n = await startAdminNode({ data, pairs: [['max-total-size', '16G']] })
    expect(n.node.mirror.settings).toMatchObject({ maxDriveBytes: 700 * 1024 ** 2, maxTotalBytes: 3 * 1024 ** 3 })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
    expect((await c.get('/admin')).text).toMatch(/value="700M"[\s\S]*value="3G"/)
  })
})

describe('Wi-Fi', () => {
  it('says the network helper is needed when it is absent, instead of failing', async () => {
    const n = await startAdminNode({ admin: { wifi: new NetdClient({ path: '/nonexistent/netd.sock' }) } })
    try {
      const c = new AdminClient(n.url)
      await c.login(PASSWORD)
      const page = await c.get('/admin/wifi')
      expect(page.status).toBe(200)
      expect(page.text).toMatch(/Wi-Fi settings need NetworkManager \/ the appliance&#39;s network helper/)
      expect((await c.post('/admin/wifi/scan')).status).toBe(200)
      const join = await c.post('/admin/wifi/join', { ssid: 'Cafe' })
      expect(join.status).toBe(503)
      expect(join.text).toMatch(/p2p-portal-netd/)
    } finally {
      await n.close()
    }
  })

  it('scans, joins and sets the hotspot through the helper, open networks without a password', async () => {
    const calls: unknown[] = []
    const wifi = {
      status: async () => ({ available: true, current: { mode: 'client' as const, ssid: 'Home', connection: 'x' } }),
      scan: async () => [{ ssid: 'Cafe <Free>', signal: 80, security: 'open' }],
      join: async (r: unknown) => { calls.push(['join', r]) },
      setHotspot: async (r: unknown) => { calls.push(['hotspot', r]) }
    }
    const n = await startAdminNode({ admin: { wifi } })
    try {
      const c = new AdminClient(n.url)
      await c.login(PASSWORD)
      expect((await c.get('/admin/wifi')).text).toMatch(/Connected to “Home”/)
      expect((await c.post('/admin/wifi/scan')).text).toContain('Cafe &lt;Free&gt;')
      expect((await c.post('/admin/wifi/join', { ssid: 'Cafe <Free>', password: '' })).status).toBe(303)
      expect((await c.post('/admin/wifi/hotspot', { ssid: 'Festival', password: 'longenough' })).status).toBe(303)
      expect(calls).toEqual([['join', { ssid: 'Cafe <Free>', password: undefined }], ['hotspot', { ssid: 'Festival', password: 'longenough' }]])
    } finally {
      await n.close()
    }
  })
})

describe('Wi-Fi end to end: admin page → NetdClient → p2p-portal-netd → nmcli (a fake on PATH)', () => {
  it('scans, joins with the password, reports a wrong one, and sets the hotspot', async () => {
    const dir = await tempDir('p2p-netd-')
    const socket = path.join(dir, 'netd.sock')
    const nmcli = await createFakeNmcli({
      networks: [{ ssid: 'Venue', signal: 70, security: 'WPA2' }, { ssid: 'Open Cafe', signal: 40, security: '' }],
      passwords: { Venue: 'venue-pass-123' }
    })
    nmcli.install()
    const server = new NetdServer({ path: socket, wifi: new WifiAdapter({ secretDir: dir }) })
    await server.open()
    // Every fake nmcli call is a node process: on a loaded host a join (several calls) took over 10 s.
    const n = await startAdminNode({ admin: { wifi: new NetdClient({ path: socket, timeoutMs: 60_000 }) } })
    try {
      const c = new AdminClient(n.url)
      await c.login(PASSWORD)
      expect((await c.get('/admin/wifi')).text).toMatch(/Wi-Fi is not connected/)
      const scan = await c.post('/admin/wifi/scan')
      expect(scan.text).toMatch(/Venue[\s\S]*70%[\s\S]*Open Cafe[\s\S]*open/)
      const wrong = await c.post('/admin/wifi/join', { ssid: 'Venue', password: 'not-the-pass' })
      expect(wrong.status).toBe(502)
      expect((await c.post('/admin/wifi/join', { ssid: 'Venue', password: 'venue-pass-123' })).status).toBe(303)
      expect((await c.get('/admin/wifi')).text).toMatch(/Connected to “Venue”, signal 70%\./)
      expect((await c.post('/admin/wifi/hotspot', { ssid: 'Festival', password: 'short' })).status).toBe(400)
      expect((await c.post('/admin/wifi/hotspot', { ssid: 'Festival', password: 'festival-2026' })).status).toBe(303)
      expect((await c.get('/admin/wifi')).text).toMatch(/Running the hotspot “Festival”/)
      // The passphrases reached nmcli through its passwd-file, never on a command line.
      const calls = await nmcli.calls()
      expect(calls.some(x => x.argv.join(' ').includes('venue-pass-123') || x.argv.join(' ').includes('festival-2026'))).toBe(false)
      expect(calls.some(x => x.input.includes('venue-pass-123'))).toBe(true)
    } finally {
      await n.close()
      await server.close()
      await nmcli.remove()
    }
  })
})

describe('USB sticks', () => {
  let n: TestNode
  let c: AdminClient
  let media: string
  let stick: string
  let outside: string
  beforeAll(async () => {
    media = await tempDir('p2p-media-')
    stick = path.join(media, 'FESTIVAL')
    outside = await tempDir('p2p-outside-')
    fs.mkdirSync(path.join(stick, 'talks', 'day1'), { recursive: true })
    fs.writeFileSync(path.join(stick, 'talks', 'day1', 'a.txt'), 'talk a')
    fs.writeFileSync(path.join(stick, 'talks', 'b.txt'), 'talk b')
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not import')
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(stick, 'talks', 'link.txt'))
    fs.symlinkSync(outside, path.join(stick, 'escape'))
    fs.mkdirSync(path.join(stick, 'notas'))
    fs.writeFileSync(path.join(stick, 'notas', 'día 1.txt'), 'uno')
    fs.writeFileSync(path.join(stick, 'notas', 'informe\\final.txt'), 'a backslash drives read as a folder separator')
    n = await startAdminNode({ admin: { usbRoots: [media], usbMountsOnly: false } })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
  })
  afterAll(() => n.close())

  it('lists the stick and imports a folder as a new drive, leaving out links that point off the stick', async () => {
    const page = await c.get('/admin/usb')
    expect(page.text).toContain('FESTIVAL')
    const id = /name="stick" value="([^"]+)"/.exec(page.text)![1]
    const res = await c.post('/admin/usb/import', { stick: id, folder: '/talks', title: 'Talks' }, { accept: 'application/json' })
    expect(res.status, res.text).toBe(200)
    const key = res.json().key
    const d = await until(async () => {
      const d = n.node.library.get(key)
      const f = await d?.refresh()
      return f && f.files === 2 ? d : null
    }, { what: 'imported files' })
    expect(await (await fetch(`${n.url}/d/${key}/day1/a.txt`)).text()).toBe('talk a')
    expect(await d.drive.entry('/link.txt')).toBeNull()
    expect(d.info.title).toBe('Talks')
  })

  it('lists a file it left out with the reason in the organiser’s language; jobs.json keeps the English and the reason', async () => {
    const id = /name="stick" value="([^"]+)"/.exec((await c.get('/admin/usb')).text)![1]
    const started = await c.post('/admin/usb/import', { stick: id, folder: '/notas', title: 'Notas' }, { accept: 'application/json' })
    expect(started.status, started.text).toBe(200)
    const job = await until(async () => {
      const j = (await c.get('/admin/usb/jobs.json')).json().jobs.find((j: any) => j.id === started.json().job)
      return j.state === 'running' ? null : j
    }, { what: 'the import to finish' })
    expect(job).toMatchObject({ state: 'done', files: 2, done: 2 })
    expect(job.failed).toEqual([{ name: '/informe\\final.txt', reason: 'nameBackslash', message: 'skipped, its name has a backslash, which drives read as a folder separator' }])

    const en = (await c.get('/admin/usb', { 'accept-language': 'en' })).text
    expect(en).toContain('<li><bdi>/informe\\final.txt</bdi>: skipped, its name has a backslash, which drives read as a folder separator</li>')
    const es = (await c.get('/admin/usb', { 'accept-language': 'es' })).text
    expect(es).toContain('1 archivo(s) omitidos')
    expect(es).toContain('<li><bdi>/informe\\final.txt</bdi>: omitido: su nombre tiene una barra invertida, que los discos leen como separador de carpetas</li>')
    const ar = (await c.get('/admin/usb', { 'accept-language': 'ar' })).text
    expect(ar).toMatch(/<html[^>]*dir="rtl"/)
    expect(ar).toContain('تُخطّي 1 من الملفات')
    expect(ar).toContain('<li><bdi>/informe\\final.txt</bdi>: تم تخطيه: اسمه يحتوي على شرطة مائلة عكسية، تقرؤها الأقراص فاصلًا بين المجلدات</li>')
  })

  it('refuses a folder outside the stick, by .. or by a link', async () => {
    const id = /name="stick" value="([^"]+)"/.exec((await c.get('/admin/usb')).text)![1]
    expect((await c.post('/admin/usb/import', { stick: id, folder: '/../../' })).status).toBe(400)
    expect((await c.post('/admin/usb/import', { stick: id, folder: '/escape' })).status).toBe(400)
    expect((await c.post('/admin/usb/import', { stick: 'bm9wZQ', folder: '/' })).status).toBe(404)
  })

  it('exports a drive into a new folder on the stick, never over an existing one', async () => {
    const r = await c.post('/admin/drives', { title: 'Out' }, { accept: 'application/json' })
    const key = r.json().key
    await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'x/y.txt', source: Buffer.from('yy') }])
    const id = /name="stick" value="([^"]+)"/.exec((await c.get('/admin/usb')).text)![1]
    const started = await c.post('/admin/usb/export', { stick: id, drive: key, folder: 'Out copy' }, { accept: 'application/json' })
    expect(started.status).toBe(200)
    await until(async () => (await c.get('/admin/usb/jobs.json')).json().jobs.find((j: any) => j.id === started.json().job).state === 'done', { what: 'export job' })
    expect(fs.readFileSync(path.join(stick, 'Out copy', 'x', 'y.txt'), 'utf8')).toBe('yy')
    expect((await c.post('/admin/usb/export', { stick: id, drive: key, folder: 'Out copy' })).status).toBe(400)
    expect((await c.post('/admin/usb/export', { stick: id, drive: key, folder: '../../etc' })).status).toBe(303)
    expect(fs.existsSync(path.join(stick, '_.._etc'))).toBe(true)
  })
})
