// The organiser's language reaches what /admin says after an action (the one-time message and the JSON one),
// the Wi-Fi page and the uptime, picked from Accept-Language like the rest of the page; English without one.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'

afterAll(removeTempDirs)

const wifi = {
  status: async () => ({ available: true, current: { mode: 'hotspot' as const, ssid: 'Fiesta', connection: 'x', signal: 90 } }),
  scan: async () => [{ ssid: 'Biblioteca', signal: 60, security: 'WPA2' }],
  join: async () => { /* a fake radio */ },
  setHotspot: async () => { /* a fake radio */ }
}

const flash = (page: string) => /<p class="flash ok" role="status">([^<]*)<\/p>/.exec(page)?.[1] ?? null

const cases = [
  {
    lang: 'es',
    created: 'Disco «Música» creado: ahora añádele archivos.',
    caps: /^Límites guardados: \S+ por disco, \S+ en total\.$/,
    joined: 'Conectado a «Biblioteca».',
    wifiPage: ['<h1>Wi-Fi</h1>', 'Punto de acceso «Fiesta» en marcha, señal 90 %.', 'Buscar redes', 'Nombre de la red', 'Guardar el punto de acceso'],
    uptime: /<th>En marcha desde hace<\/th><td>\d+ min \d+ s<\/td>/
  },
  {
    lang: 'ar',
    created: 'أُنشئ القرص «Música»: أضف إليه الملفات الآن.',
    caps: /^حُفظت الحدود: \S+ للقرص، و\S+ للمجموع\.$/,
    joined: 'تم الانضمام إلى «Biblioteca».',
    wifiPage: ['<h1>واي فاي</h1>', 'نقطة الاتصال «Fiesta» تعمل، الإشارة 90%.', 'البحث عن الشبكات', 'اسم الشبكة', 'حفظ نقطة الاتصال'],
    uptime: /<th>تعمل منذ<\/th><td>\d+ دقيقة \d+ ثانية<\/td>/
  }
]

describe('after an action, on the Wi-Fi page and in the uptime, /admin speaks the organiser’s language', () => {
  let n: TestNode
  let c: AdminClient
  beforeAll(async () => {
    n = await startAdminNode({ admin: { wifi } })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
  })
  afterAll(async () => { await n?.close() })

  for (const x of cases) {
    const h = { 'accept-language': x.lang }

    it(`${x.lang}: creating a drive and saving caps say so in that language, as the page and as JSON`, async () => {
      const created = await c.post('/admin/drives', { title: 'Música' }, h)
      expect(created.status).toBe(303)
      const drive = await c.get(created.headers.get('location')!, h)
      expect(flash(drive.text)).toBe(x.created)

      expect((await c.post('/admin/caps', { maxDrive: '4G', maxTotal: '16G' }, h)).status).toBe(303)
      expect(flash((await c.get('/admin', h)).text)).toMatch(x.caps)
      const json = await c.post('/admin/caps', { maxDrive: '4G', maxTotal: '16G' }, { ...h, accept: 'application/json' })
      expect(json.json()).toMatchObject({ ok: true, message: expect.stringMatching(x.caps) })
    })

    it(`${x.lang}: the Wi-Fi page, the join message and the uptime`, async () => {
      const page = await c.get('/admin/wifi', h)
      for (const s of x.wifiPage) expect(page.text).toContain(s)
      expect(page.text).not.toMatch(/Running the hotspot|Scan for networks|Network name|Set hotspot/)
      const scan = await c.post('/admin/wifi/scan', {}, h)
      expect(scan.text).toMatch(/Biblioteca[\s\S]*60%[\s\S]*WPA2/)
      expect((await c.post('/admin/wifi/join', { ssid: 'Biblioteca', password: '' }, h)).status).toBe(303)
      expect(flash((await c.get('/admin/wifi', h)).text)).toBe(x.joined)
      expect((await c.get('/admin', h)).text).toMatch(x.uptime)
    })
  }

  it('without Accept-Language the messages stay English', async () => {
    const json = await c.post('/admin/drives', { title: 'Plain' }, { accept: 'application/json' })
    expect(json.json()).toMatchObject({ ok: true, message: 'Drive “Plain” created: now add files to it.' })
    expect((await c.get('/admin/wifi')).text).toContain('Running the hotspot “Fiesta”, signal 90%.')
    expect((await c.get('/admin')).text).toMatch(/<th>Up for<\/th><td>\d+ min \d+ s<\/td>/)
  })
})
