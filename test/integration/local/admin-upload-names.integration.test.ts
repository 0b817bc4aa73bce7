// File and folder names uploaded through the admin page arrive byte for byte, in every language the portal
// speaks: the name a browser sends is the name every mirror and phone sees.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startAdminWithDrive } from '../../helpers/admin-node.js'
import type { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'

const NAMES = [
  'café terrasse à Niamey.jpg',
  'Fotos/año nuevo/niño.txt',
  'Élèves/leçon été.txt',
  'دروس/درس.txt',
  'mixed/ünïcödé — “quotes” ✓.txt'
]

let n: TestNode
let c: AdminClient
let key: string

beforeAll(async () => {
  ;({ n, c, key } = await startAdminWithDrive('Noms'))
})
afterAll(async () => { await n.close(); await removeTempDirs() })

const url = (name: string) => `${n.url}/d/${key}/${name.split('/').map(encodeURIComponent).join('/')}`

describe('uploading files whose names are not ASCII', () => {
  it('keeps English, Spanish, French and Arabic names and folders byte for byte', async () => {
    const res = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], NAMES.map((name, i) => ({ name, source: Buffer.from(`file ${i}`) })))
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).files.map((f: { path: string }) => f.path)).toEqual(NAMES.map(name => '/' + name))
    for (const [i, name] of NAMES.entries()) {
      const r = await fetch(url(name))
      expect(r.status, name).toBe(200)
      expect(await r.text()).toBe(`file ${i}`)
    }
    // The garbled form the latin1 reading made must not exist.
    expect((await fetch(url(Buffer.from(NAMES[0], 'utf8').toString('latin1')))).status).toBe(404)
  })
})
