// Issue 11, what an organiser meets on /admin: a mistake keeps what was typed and says what to fix next to
// the field; lowering a cap asks first; evicted drives can come back; folders, USB "safe to remove", titles.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminNode, startAdminWithDrive, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { MirrorManager } from '../../../services/mirror/mirror-manager.js'
import type { PolicySettings } from '../../../services/mirror/mirror-policy.js'
import type { Library } from '../../../services/storage/library.js'

afterAll(removeTempDirs)

/** The text of the field's error message, found through the field's aria-describedby. */
function errorFor (page: string, name: string): string | null {
  const input = new RegExp(`<(?:input|textarea|select)[^>]*name="${name}"[^>]*>`).exec(page)?.[0]
  const id = input && /aria-describedby="([^"]+)"/.exec(input)?.[1]
  if (!id || !/aria-invalid="true"/.test(input)) return null
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(page)?.[1] ?? null
}

function valueOf (page: string, name: string): string | null {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(page)?.[0]
  return input ? /value="([^"]*)"/.exec(input)?.[1] ?? '' : null
}

describe('a mistake on a form keeps what was typed and says what to fix next to the field', () => {
  let n: TestNode
  let c: AdminClient
  let key: string
  beforeAll(async () => {
    ;({ n, c, key } = await startAdminWithDrive('Talks'))
    await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'a.txt', source: Buffer.from('a') }, { name: 'b.txt', source: Buffer.from('b') }])
  })
  afterAll(() => n.close())

  it('a bad key to follow: 400, the overview again with the key typed and the error at the key field; JSON clients keep the JSON error', async () => {
    const res = await c.post('/admin/follow', { key: 'not-a-key' })
    expect(res.status).toBe(400)
    expect(valueOf(res.text, 'key')).toBe('not-a-key')
    expect(errorFor(res.text, 'key')).toMatch(/is not a drive key/)
    expect(res.text).toContain('action="/admin/follow"')
    const json = await c.post('/admin/follow', { key: 'zzz' }, { accept: 'application/json' })
    expect(json.status).toBe(400)
    expect(json.json().error.code).toBe('BAD_KEY')
  })

  it('bad caps: 400, both sizes as typed, the error at the field that is wrong', async () => {
    const res = await c.post('/admin/caps', { maxDrive: 'lots', maxTotal: '2G' })
    expect(res.status).toBe(400)
    expect(valueOf(res.text, 'maxDrive')).toBe('lots')
    expect(valueOf(res.text, 'maxTotal')).toBe('2G')
    expect(errorFor(res.text, 'maxDrive')).toMatch(/size such as/)
    const larger = await c.post('/admin/caps', { maxDrive: '3G', maxTotal: '2G' })
    expect(larger.status).toBe(400)
    expect(errorFor(larger.text, 'maxDrive')).toMatch(/larger than the total cap/)
  })

  it('a size with no unit (16) is refused with an explanation instead of being taken as 16 bytes', async () => {
    const before = { ...n.node.mirror.settings }
    const res = await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '16' })
    expect(res.status).toBe(400)
    expect(errorFor(res.text, 'maxTotal')).toBe('16 has no unit: write 16G for gigabytes or 16M for megabytes.')
    expect(n.node.mirror.settings.maxTotalBytes).toBe(before.maxTotalBytes)
    const json = await c.post('/admin/caps', { maxDrive: '700M', maxTotal: '16' }, { accept: 'application/json' })
    expect(json.json().error.message).toMatch(/16 has no unit/)
  })

  it('a new drive without a title: 400, the description typed is kept', async () => {
    const res = await c.post('/admin/drives', { title: '  ', description: 'Songs from the square' })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/<textarea[^>]*name="description"[^>]*>Songs from the square<\/textarea>/)
    expect(errorFor(res.text, 'title')).toMatch(/Give the drive a title/)
  })

  it('a bad rename: the drive page again, that file\'s form open with the name typed and the error under it', async () => {
    const res = await c.post(`/admin/drives/${key}/rename`, { from: '/a.txt', to: '/b.txt' })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/<details open>/)
    expect(valueOf(res.text, 'to')).toBe('/b.txt')
    expect(errorFor(res.text, 'to')).toMatch(/exists/)
  })

  it('a drive title emptied: 400, the description typed is kept', async () => {
    const res = await c.post(`/admin/drives/${key}/info`, { title: '', description: 'New words' })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/<textarea[^>]*name="description"[^>]*>New words<\/textarea>/)
    expect(errorFor(res.text, 'title')).toMatch(/Give the drive a title/)
  })

  it('new passwords that differ: 400, the password form again with the error at the second field', async () => {
    const res = await c.post('/admin/password', { current: PASSWORD, password: 'new password 1', confirm: 'new password 2' })
    expect(res.status).toBe(400)
    expect(res.text).toContain('action="/admin/password"')
    expect(errorFor(res.text, 'confirm')).toMatch(/differ/)
  })
})

describe('the login page', () => {
  it('says how many tries remain before the 15-minute pause after each failure', async () => {
    const n = await startAdminNode()
    try {
      const c = new AdminClient(n.url)
      const first = await c.login('wrong 1')
      expect(first.status).toBe(401)
      expect(errorFor(first.text, 'password')).toBe('Wrong password. 4 tries left before a 15-minute pause.')
      expect(first.text).toContain('action="/admin/login"')
      expect(errorFor((await c.login('wrong 2')).text, 'password')).toMatch(/3 tries left/)
      for (const w of ['wrong 3', 'wrong 4']) await c.login(w)
      expect(errorFor((await c.login('wrong 5')).text, 'password')).toMatch(/No tries left: wait 15 minutes/)
    } finally {
      await n.close()
    }
  })

  it('first setup: passwords that differ show the setup form again (400), not a dead end', async () => {
    const n = await startAdminNode({ password: null })
    try {
      const c = new AdminClient(n.url.replace('127.0.0.1', 'localhost'))
      await c.get('/admin')
      const res = await c.post('/admin/setup', { password: 'first password', confirm: 'first passw0rd' })
      expect(res.status).toBe(400)
      expect(res.text).toContain('action="/admin/setup"')
      expect(errorFor(res.text, 'confirm')).toMatch(/differ/)
    } finally {
      await n.close()
    }
  })
})

describe('what a cap would evict', () => {
  function fakeLibrary (drives: Array<{ key: string, own?: boolean, pinned?: boolean, followed?: boolean, bytes: number, lastUsed: number, title: string }>): Library {
    const records = drives.map(d => ({ key: d.key, own: !!d.own, pinned: !!d.pinned, followed: !!d.followed, addedAt: 0, lastUsed: d.lastUsed, title: d.title }))
    return {
      records: () => records,
      record: (k: string) => records.find(r => r.key === k),
      get: (k: string) => {
        const d = drives.find(x => x.key === k)
        return d && { info: { title: d.title }, snapshot: () => ({ bytes: d.bytes, localBytes: d.bytes, known: true }), storeFigures: () => ({ bytes: d.bytes, localBytes: d.bytes }) }
      },
      blockedKeys: () => []
    } as unknown as Library
  }
  const settings = (): PolicySettings => ({ mirror: 'all', maxDriveBytes: 1000, maxTotalBytes: 10_000, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 8 })

  it('wouldEvict() names the least recently used mirrors a lower total needs, never own, pinned or followed ones, and changes nothing', () => {
    const library = fakeLibrary([
      { key: 'own', own: true, bytes: 500, lastUsed: 1, title: 'Mine' },
      { key: 'pin', pinned: true, bytes: 500, lastUsed: 2, title: 'Pinned' },
      { key: 'fol', followed: true, bytes: 500, lastUsed: 3, title: 'Followed' },
      { key: 'old', bytes: 500, lastUsed: 4, title: 'Old' },
      { key: 'new', bytes: 500, lastUsed: 5, title: 'New' }
    ])
    const m = new MirrorManager({ library, settings: settings() })
    expect(m.wouldEvict({})).toEqual([])
    expect(m.wouldEvict({ maxTotalBytes: 2000 })).toEqual([{ key: 'old', title: 'Old', reason: 'no-space' }])
    expect(m.wouldEvict({ maxDriveBytes: 400 }).map(e => [e.key, e.reason])).toEqual([['old', 'too-large'], ['new', 'too-large']])
    expect(m.settings.maxTotalBytes).toBe(10_000)
  })
})

describe('mirrored drives on the overview', () => {
  let a: TestNode
  let b: TestNode
  let c: AdminClient
  let key: string
  beforeAll(async () => {
    a = await startAdminNode()
    b = await startTestNode([], { web: undefined })
    const drive = await b.node.library.createOwnDrive({ title: 'Festival <films>', description: '' })
    await drive.drive.put('/film.bin', Buffer.alloc(300 * 1024, 7))
    await drive.refresh()
    key = drive.id
    a.node.peers.discovered({ key: b.node.library.nodeKey, host: '127.0.0.1', port: b.node.peers.port })
    b.node.peers.discovered({ key: a.node.library.nodeKey, host: '127.0.0.1', port: a.node.peers.port })
    const copy = await until(() => a.node.library.get(key), { what: 'mirror to start' })
    await until(async () => (await copy.refresh()).localBytes >= 300 * 1024, { what: 'file data' })
    c = new AdminClient(a.url)
    await c.login(PASSWORD)
  })
  afterAll(async () => { await a.close(); await b.close() })

  it('a mirrored drive\'s title links to its page for visitors', async () => {
    const page = await c.get('/admin')
    expect(page.text).toContain(`<a href="/drive/${key}/">Festival &lt;films&gt;</a>`)
  })

  it('lowering the total cap first lists the drives it would remove; nothing goes until "Remove them and save"', async () => {
    const res = await c.post('/admin/caps', { maxDrive: '200K', maxTotal: '1G' })
    expect(res.status).toBe(200)
    expect(res.text).toContain('Festival &lt;films&gt;')
    expect(res.text).toMatch(/<button[^>]*>Remove them and save<\/button>/)
    expect(res.text).toMatch(/<a href="\/admin">Cancel<\/a>/)
    expect(valueOf(res.text, 'maxDrive')).toBe('200K')
    expect(a.node.library.has(key)).toBe(true)
    expect(a.node.mirror.settings.maxDriveBytes).not.toBe(200 * 1024)
    const json = await c.post('/admin/caps', { maxDrive: '200K', maxTotal: '1G' }, { accept: 'application/json' })
    expect(json.status).toBe(409)
    expect(json.json().evict).toEqual([{ key, title: 'Festival <films>', reason: 'too-large' }])
    const saved = await c.post('/admin/caps', { maxDrive: '200K', maxTotal: '1G', confirm: 'yes' })
    expect(saved.status).toBe(303)
    await until(() => !a.node.library.has(key), { what: 'eviction' })
  })

  it('offers "Mirror again" for the evicted drive: it comes back at once, followed, so never evicted', async () => {
    const page = await c.get('/admin')
    expect(page.text).toContain(`action="/admin/drives/${key}/mirror-again"`)
    expect(page.text).toMatch(/Mirror again<\/button>[\s\S]*followed[\s\S]*never removed/)
    expect((await c.post(`/admin/drives/${key}/mirror-again`)).status).toBe(303)
    expect(a.node.library.record(key)).toMatchObject({ followed: true })
    expect(a.node.mirror.skipped.has(key)).toBe(false)
    expect(a.node.mirror.wouldEvict({})).toEqual([])
  })

  it('a blocked drive shows its title on the overview, not only its key', async () => {
    expect((await c.post(`/admin/drives/${key}/block`, { confirm: 'yes' })).status).toBe(303)
    const page = await c.get('/admin')
    const section = /Blocked drives<\/h2>((?:(?!<\/section>)[\s\S])*)/.exec(page.text)![1]
    expect(section).toContain('Festival &lt;films&gt;')
    expect(section).toContain(key)
  })
})

describe('a drive\'s files as folders', () => {
  let n: TestNode
  let c: AdminClient
  let key: string
  beforeAll(async () => {
    ;({ n, c, key } = await startAdminWithDrive('Album'))
    await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [
      { name: 'album/day 1/a.txt', source: Buffer.from('a') }, { name: 'album/b.txt', source: Buffer.from('b') }, { name: 'top.txt', source: Buffer.from('t') }
    ])
  })
  afterAll(() => n.close())

  it('lists the top folder\'s sub-folders and files, not every full path; a folder opens on its own page', async () => {
    const top = await c.get(`/admin/drives/${key}`)
    expect(top.text).toContain(`href="/admin/drives/${key}?dir=%2Falbum"`)
    expect(top.text).toContain('top.txt')
    expect(top.text).not.toContain('day 1/a.txt')
    const album = await c.get(`/admin/drives/${key}?dir=%2Falbum`)
    expect(album.text).toContain(`href="/admin/drives/${key}?dir=%2Falbum%2Fday%201"`)
    expect(album.text).toContain(`href="/d/${key}/album/b.txt"`)
    expect(album.text).not.toContain('top.txt')
  })

  it('deletes a whole folder after confirming, and only it', async () => {
    const top = await c.get(`/admin/drives/${key}`)
    expect(top.text).toMatch(/action="\/admin\/drives\/[a-z0-9]+\/delete-folder"[^>]*data-confirm/)
    const res = await c.post(`/admin/drives/${key}/delete-folder`, { path: '/album' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/drives/${key}`)
    const d = n.node.library.get(key)!
    expect(await d.drive.entry('/album/b.txt')).toBeNull()
    expect(await d.drive.entry('/album/day 1/a.txt')).toBeNull()
    expect(await d.drive.entry('/top.txt')).not.toBeNull()
  })
})

describe('exporting to a USB stick', () => {
  it('says "safe to remove" only once the stick\'s data is flushed', async () => {
    const media = await tempDir('p2p-media-')
    fs.mkdirSync(path.join(media, 'STICK', 'old'), { recursive: true })
    const synced: string[] = []
    let release!: () => void
    const flushed = new Promise<void>((resolve) => { release = resolve })
    const n = await startAdminNode({ admin: { usbRoots: [media], usbMountsOnly: false, syncStick: async (dir: string) => { synced.push(dir); await flushed } } })
    try {
      const c = new AdminClient(n.url)
      await c.login(PASSWORD)
      const key = (await c.post('/admin/drives', { title: 'Out' }, { accept: 'application/json' })).json().key
      await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'x.txt', source: Buffer.from('x') }])
      const id = /name="stick" value="([^"]+)"/.exec((await c.get('/admin/usb')).text)![1]
      expect((await c.post('/admin/usb/export', { stick: id, drive: key, folder: 'Out' })).status).toBe(303)
      await until(() => synced.length === 1, { what: 'sync started' })
      expect(synced[0]).toBe(fs.realpathSync(path.join(media, 'STICK', 'Out')))
      expect((await c.get('/admin/usb')).text).not.toMatch(/safe to remove/i)
      release()
      await until(async () => /safe to remove/i.test((await c.get('/admin/usb')).text), { what: 'safe to remove' })
    } finally {
      await n.close()
    }
  })
})

describe('the admin page in the organiser\'s language', () => {
  it('follows Accept-Language, and the visitor pages\' lang cookie over it, upload texts included', async () => {
    const n = await startAdminNode()
    try {
      const c = new AdminClient(n.url)
      await c.login(PASSWORD)
      const es = await c.get('/admin', { 'accept-language': 'es-ES,es;q=0.9' })
      expect(es.text).toMatch(/<html lang="es" dir="ltr">/)
      expect(es.text).toContain('<h1>Resumen</h1>')
      const fr = await c.get('/admin', { 'accept-language': 'es', cookie: `${c.cookie}; lang=fr` })
      expect(fr.text).toContain('<h1>Vue d’ensemble</h1>')
      const key = (await c.post('/admin/drives', { title: 'Fotos' }, { accept: 'application/json' })).json().key
      const drive = await c.get(`/admin/drives/${key}`, { 'accept-language': 'es' })
      expect(drive.text).toContain('data-sent="{n} % enviado"')
      const js = await (await fetch(`${n.url}/admin/admin.js`)).text()
      expect(js).not.toMatch(/% sent|Starting…|Done: /)
      const caps = await c.post('/admin/caps', { maxDrive: '1G', maxTotal: '16' }, { 'accept-language': 'es' })
      expect(errorFor(caps.text, 'maxTotal')).toBe('16 no tiene unidad: escribe 16G para gigabytes o 16M para megabytes.')
    } finally {
      await n.close()
    }
  })
})
