// When /admin refuses something, it says why in the organiser's language (Accept-Language), next to the field
// it is about and with what was typed kept; scripts still read the English `error` and get the same words as
// `message`. The Wi-Fi join goes through the real helper (p2p-portal-netd's server and client) to a fake nmcli.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { createFakeNmcli, type FakeNmcli } from '../../helpers/fake-nmcli.js'
import type { TestNode } from '../../helpers/test-node.js'
import { NetdServer } from '../../../services/netd/netd-server.js'
import { NetdClient } from '../../../services/netd/netd-client.js'
import { WifiAdapter } from '../../../services/wifi/wifi-adapter.js'
import { canMount, mountSmallDisk, type SmallDisk } from '../../helpers/small-disk.js'
import { until } from '../../helpers/until.js'

afterAll(removeTempDirs)

const WIFI_SECRET = 'open sesame 123'

/** The form posting to `action`, or the whole page. */
function formOf (page: string, action?: string): string {
  return action ? new RegExp(`<form[^>]*action="${action}"[\\s\\S]*?</form>`).exec(page)?.[0] ?? '' : page
}

/** The inline error of the field `name` (marked invalid and described by it), or null. */
function errorFor (page: string, name: string, action?: string): string | null {
  const form = formOf(page, action)
  const input = new RegExp(`<(?:input|textarea|select)[^>]*name="${name}"[^>]*>`).exec(form)?.[0]
  const id = input && /aria-describedby="([^"]+)"/.exec(input)?.[1]
  if (!id || !/aria-invalid="true"/.test(input)) return null
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(form)?.[1] ?? null
}

/** What the page put back into the text field `name` of the form posting to `action`. */
function valueOf (page: string, action: string, name: string): string | null {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(formOf(page, action))?.[0] ?? ''
  return /value="([^"]*)"/.exec(input)?.[1] ?? null
}

const decode = (s: string | null) => s?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&') ?? null

const cases = [
  {
    lang: 'es',
    from: '127.0.0.2',
    triesLeft: /^Contraseña incorrecta\. Quedan 4 intentos antes de una pausa de 15 minutos\.$/,
    tooShort: 'La contraseña debe tener al menos 8 caracteres.',
    differ: 'Las dos contraseñas no coinciden: escribe la misma dos veces.',
    badKey: '«nonsense» no es una clave de disco: se esperan 52 letras y cifras (como las muestra p2p-portal) o 64 cifras hexadecimales.',
    noUnit: '16 no tiene unidad: escribe 16G para gigabytes o 16M para megabytes.',
    noFiles: 'Elige al menos un archivo para subir.',
    noSpace: /^No hay espacio libre suficiente para esta subida \(\d+ MB\): libera espacio en el nodo primero\.$/,
    joinRefused: '«Home» no aceptó la conexión en 45 s. Comprueba la contraseña y que la red esté al alcance.',
    outOfRange: 'El cambio de Wi-Fi falló. NetworkManager dijo: Connection activation failed: The Wi-Fi network could not be found',
    ssidLength: 'El nombre de la red (SSID) debe tener de 1 a 32 bytes.',
    pageTitle: '<h1>No funcionó</h1>',
    lockout: 'Demasiados intentos fallidos desde este dispositivo. Espera 15 min y vuelve a probar.',
    noFile: 'No hay ningún archivo /missing.txt en este disco.',
    badRange: 'El fragmento pedido no existe: el archivo tiene 5 bytes.',
    nothingHere: 'No encontrado: no hay nada en esta dirección.',
    formTooLarge: 'El formulario es demasiado grande: acorta lo que escribiste.'
  },
  {
    lang: 'ar',
    from: '127.0.0.3',
    triesLeft: /^كلمة المرور خاطئة\. 4 محاولات متبقية قبل توقف لمدة 15 دقيقة\.$/,
    tooShort: 'يجب أن تتكون كلمة المرور من 8 أحرف على الأقل.',
    differ: 'كلمتا المرور مختلفتان: اكتب الكلمة نفسها مرتين.',
    badKey: '«nonsense» ليس مفتاح قرص: المطلوب 52 حرفًا ورقمًا (كما يطبعها p2p-portal) أو 64 رقمًا ست عشريًا.',
    noUnit: '16 بلا وحدة: اكتب 16G للغيغابايت أو 16M للميغابايت.',
    noFiles: 'اختر ملفًا واحدًا على الأقل لرفعه.',
    noSpace: /^لا توجد مساحة فارغة كافية لهذا الرفع \(\d+ MB\): حرّر مساحة على العقدة أولًا\.$/,
    joinRefused: 'لم تقبل «Home» الاتصال خلال 45 ثانية. تحقّق من كلمة المرور ومن أن الشبكة في النطاق.',
    outOfRange: 'فشل تغيير Wi-Fi. قال NetworkManager: Connection activation failed: The Wi-Fi network could not be found',
    ssidLength: 'يجب أن يكون اسم الشبكة (SSID) من 1 إلى 32 بايت.',
    pageTitle: 'dir="rtl"',
    lockout: 'محاولات دخول فاشلة كثيرة من هذا الجهاز. انتظر 15 دقيقة ثم حاول مجددًا.',
    noFile: 'لا يوجد ملف /missing.txt في هذا القرص.',
    badRange: 'الجزء المطلوب غير موجود: حجم الملف 5 بايت.',
    nothingHere: 'غير موجود: لا يوجد شيء على هذا العنوان.',
    formTooLarge: 'النموذج كبير جدًا: اختصر ما كتبته.'
  }
]

describe('/admin says what went wrong in the organiser’s language, next to the field, keeping the input', () => {
  let n: TestNode
  let c: AdminClient
  let key: string
  let dir: string
  let nmcli: FakeNmcli
  let netd: NetdServer
  let wifi: NetdClient

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'admin-errors-'))
    nmcli = await createFakeNmcli({
      networks: [{ ssid: 'Home', signal: 80, security: 'WPA2' }, { ssid: 'Far', signal: 10, security: '' }],
      passwords: { Home: WIFI_SECRET },
      unreachable: ['Far']
    })
    nmcli.install()
    const socket = path.join(dir, 'netd.sock')
    netd = new NetdServer({ path: socket, wifi: new WifiAdapter({ secretDir: dir }) })
    await netd.open()
    // Every fake nmcli call is a node process, slow on a loaded host.
    wifi = new NetdClient({ path: socket, timeoutMs: 60_000 })
    n = await startAdminNode({ admin: { wifi } })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
    key = (await c.post('/admin/drives', { title: 'Errores' }, { accept: 'application/json' })).json().key
    await c.get(`/admin/drives/${key}`)
    const hello = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'hello.txt', source: Buffer.from('hello') }])
    if (hello.status !== 200) throw new Error(`upload answered ${hello.status}: ${hello.body}`)
  })

  afterAll(async () => {
    await n?.close()
    await wifi?.close()
    await netd?.close()
    await nmcli?.remove()
    if (dir) await fs.rm(dir, { recursive: true, force: true })
  })

  for (const x of cases) {
    const h = { 'accept-language': x.lang }

    it(`${x.lang}: a wrong password says how many tries are left, on the login form`, async () => {
      const phone = new AdminClient(n.url, { localAddress: x.from })
      await phone.get('/admin/login', h)
      const res = await phone.post('/admin/login', { password: 'not the password', next: '/admin/usb' }, h)
      expect(res.status).toBe(401)
      expect(errorFor(res.text, 'password')).toMatch(x.triesLeft)
      expect(res.text).toContain('name="next" value="/admin/usb"')
    })

    it(`${x.lang}: after the last wrong password, the lock-out page says how long to wait`, async () => {
      const phone = new AdminClient(n.url, { localAddress: x.from.replace(/\d+$/, (d) => String(Number(d) + 10)) })
      await phone.get('/admin/login', h)
      for (let i = 0; i < 5; i++) expect((await phone.post('/admin/login', { password: 'not the password' }, h)).status).toBe(401)
      const locked = await phone.post('/admin/login', { password: 'not the password' }, h)
      expect(locked.status).toBe(429)
      expect(locked.text).toContain(`<p>${x.lockout}</p>`)
    })

    it(`${x.lang}: a visitor asking for an address nothing answers, a file the drive does not have, or past its end, is told so in that language`, async () => {
      const res = await fetch(`${n.url}/d/${key}/missing.txt`, { headers: h })
      expect(res.status).toBe(404)
      expect(await res.text()).toBe(`${x.noFile}\n`)
      const nowhere = await fetch(`${n.url}/nowhere`, { headers: h })
      expect(nowhere.status).toBe(404)
      expect(await nowhere.text()).toBe(`${x.nothingHere}\n`)
      // Twice: the second answer comes from the front door's in-memory path.
      for (let i = 0; i < 2; i++) {
        const range = await fetch(`${n.url}/d/${key}/hello.txt`, { headers: { ...h, range: 'bytes=100-200' } })
        expect(range.status).toBe(416)
        expect(range.headers.get('content-range')).toBe('bytes */5')
        expect(await range.text()).toBe(`${x.badRange}\n`)
      }
    })

    it(`${x.lang}: a new password that is too short, or typed differently twice, is refused next to its field`, async () => {
      await c.get('/admin/password', h)
      const short = await c.post('/admin/password', { current: PASSWORD, password: 'short', confirm: 'short' }, h)
      expect(short.status).toBe(400)
      expect(errorFor(short.text, 'password')).toBe(x.tooShort)
      const differ = await c.post('/admin/password', { current: PASSWORD, password: 'long enough 1', confirm: 'long enough 2' }, h)
      expect(differ.status).toBe(400)
      expect(errorFor(differ.text, 'confirm')).toBe(x.differ)
    })

    it(`${x.lang}: a form larger than the admin page takes is refused in that language`, async () => {
      const res = await c.post('/admin/drives', { title: 'x', description: 'y'.repeat(40_000) }, h)
      expect(res.status).toBe(413)
      expect(res.text).toContain(`<p>${x.formTooLarge}</p>`)
    })

    it(`${x.lang}: a bad key and a cap with no unit are explained next to the field, with what was typed`, async () => {
      const follow = await c.post('/admin/follow', { key: 'nonsense' }, h)
      expect(follow.status).toBe(400)
      expect(decode(errorFor(follow.text, 'key'))).toBe(x.badKey)
      expect(valueOf(follow.text, '/admin/follow', 'key')).toBe('nonsense')

      const caps = await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '16' }, h)
      expect(caps.status).toBe(400)
      expect(errorFor(caps.text, 'maxTotal')).toBe(x.noUnit)
      expect(valueOf(caps.text, '/admin/caps', 'maxDrive')).toBe('700M')
      expect(valueOf(caps.text, '/admin/caps', 'maxTotal')).toBe('16')

      const json = await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '16' }, { ...h, accept: 'application/json' })
      expect(json.json()).toEqual({
        error: { code: 'BAD_REQUEST', message: '16 has no unit: write 16G for gigabytes or 16M for megabytes.', reason: 'sizeNoUnit', params: { n: '16', field: 'maxTotal' } },
        message: x.noUnit
      })
    })

    it(`${x.lang}: an upload with no file, or larger than the free space, says so (JSON for the page's script, a page without it)`, async () => {
      await c.get(`/admin/drives/${key}`, h)
      const empty = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [], { headers: h })
      expect(empty.status).toBe(400)
      expect(JSON.parse(empty.body)).toEqual({
        error: { code: 'BAD_REQUEST', message: 'Choose at least one file to upload.', reason: 'noFilesChosen', params: {} },
        message: x.noFiles
      })
      const page = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [], { headers: { ...h, accept: 'text/html' } })
      expect(page.status).toBe(400)
      expect(page.body).toContain(`<p>${x.noFiles}</p>`)
      expect(page.body).toContain(x.pageTitle)

      const huge = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'huge.bin', source: Buffer.from('x') }],
        { contentLength: Number.MAX_SAFE_INTEGER, headers: h })
      expect(huge.status).toBe(507)
      const body = JSON.parse(huge.body)
      expect(body.error).toMatchObject({ code: 'DISK_FULL', reason: 'notEnoughSpace', message: expect.stringMatching(/^Not enough free space for this upload/) })
      expect(body.message).toMatch(x.noSpace)
    })

    it(`${x.lang}: a Wi-Fi network that refuses the join, is out of range, or has a bad name: the reason next to the name, kept`, async () => {
      await c.get('/admin/wifi', h)
      const refused = await c.post('/admin/wifi/join', { ssid: 'Home', password: 'wrong password' }, h)
      expect(refused.status).toBe(502)
      expect(decode(errorFor(refused.text, 'ssid', '/admin/wifi/join'))).toBe(x.joinRefused)
      expect(valueOf(refused.text, '/admin/wifi/join', 'ssid')).toBe('Home')
      expect(refused.text).not.toContain('wrong password')

      const far = await c.post('/admin/wifi/join', { ssid: 'Far', password: '' }, h)
      expect(far.status).toBe(502)
      expect(decode(errorFor(far.text, 'ssid'))).toBe(x.outOfRange)

      const long = 'x'.repeat(33)
      const bad = await c.post('/admin/wifi/hotspot', { ssid: long, password: '' }, h)
      expect(bad.status).toBe(400)
      expect(errorFor(bad.text, 'ssid', '/admin/wifi/hotspot')).toBe(x.ssidLength)
      expect(errorFor(bad.text, 'ssid', '/admin/wifi/join')).toBeNull()
      expect(valueOf(bad.text, '/admin/wifi/hotspot', 'ssid')).toBe(long)
    })
  }

  it('without Accept-Language the same errors read in English, as before', async () => {
    const caps = await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '16' })
    expect(errorFor(caps.text, 'maxTotal')).toBe('16 has no unit: write 16G for gigabytes or 16M for megabytes.')
    await c.get('/admin/wifi')
    const refused = await c.post('/admin/wifi/join', { ssid: 'Home', password: 'wrong password' })
    expect(decode(errorFor(refused.text, 'ssid'))).toBe('Wi-Fi join failed: "Home" did not accept the connection within 45 s. Check the password, and that the network is in range.')
  })
})

describe.skipIf(!canMount())('a USB export that fills the stick says so on the USB page in the organiser’s language', () => {
  let n: TestNode
  let c: AdminClient
  let disk: SmallDisk

  beforeAll(async () => {
    disk = await mountSmallDisk('1M')
    await fs.mkdir(path.join(disk.dir, 'TINY'))
    await fs.writeFile(path.join(disk.dir, 'TINY', 'readme.txt'), 'a small stick')
    n = await startAdminNode({ admin: { usbRoots: [disk.dir], usbMountsOnly: false } })
    c = new AdminClient(n.url)
    await c.login(PASSWORD)
  })
  afterAll(async () => {
    await n?.close()
    disk?.unmount()
  })

  it('es and ar: the failed job reads in that language; jobs.json keeps the English error and its reason', async () => {
    const key = (await c.post('/admin/drives', { title: 'Grande' }, { accept: 'application/json' })).json().key
    await c.get(`/admin/drives/${key}`)
    const up = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'big.bin', source: Buffer.alloc(3 * 1024 * 1024, 7) }])
    expect(up.status, up.body).toBe(200)
    const stick = /name="stick" value="([^"]+)"/.exec((await c.get('/admin/usb')).text)![1]
    const started = await c.post('/admin/usb/export', { stick, drive: key, folder: 'copy' }, { accept: 'application/json' })
    expect(started.status, started.text).toBe(200)
    const job = await until(async () => {
      const j = (await c.get('/admin/usb/jobs.json')).json().jobs.find((j: any) => j.id === started.json().job)
      return j.state === 'running' ? null : j
    }, { what: 'the export to stop' })
    expect(job).toMatchObject({ state: 'failed', error: 'The USB stick is full: the export stopped. Use a larger stick.', errorDetails: { reason: 'stickFull' } })
    expect((await c.get('/admin/usb', { 'accept-language': 'es' })).text).toContain('La memoria USB está llena: la exportación se detuvo. Usa una memoria más grande.')
    expect((await c.get('/admin/usb', { 'accept-language': 'ar' })).text).toContain('ذاكرة USB ممتلئة: توقف التصدير. استخدم ذاكرة أكبر.')
  })
})
