import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { sampleDrive, put } from '../../helpers/portal-drive.js'
import { Thumbnailer } from '../../../services/media/thumbnailer.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode()
  key = (await sampleDrive(t)).id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

describe('thumbnail endpoint', () => {
  it('serves the embedded preview of a camera JPEG without decoding the photo', async () => {
    const r = await fetch(`${t.url}/thumb/${key}/pics/camera.jpg`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/jpeg')
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata()
    expect([meta.width, meta.height]).toEqual([160, 120])
  })

  it('makes a small thumbnail of a JPEG without a preview, and a large one for the file page', async () => {
    const small = await sharp(Buffer.from(await (await fetch(`${t.url}/thumb/${key}/pics/plain.jpg`)).arrayBuffer())).metadata()
    expect([small.width, small.height]).toEqual([96, 96])
    const large = await sharp(Buffer.from(await (await fetch(`${t.url}/thumb/${key}/pics/plain.jpg?size=large`)).arrayBuffer())).metadata()
    expect(large.width).toBe(1024)
  })

  it('caches thumbnails under the data folder and uses the cache the next time', async () => {
    let loads = 0
    const th = new Thumbnailer({ dir: path.join(t.config.data, 'thumbs-test'), sharp: async () => { loads++; return sharp as any } })
    const d = t.node.library.get(key)!
    const a = await th.thumbnail(d, '/pics/plain.jpg', 'small')
    const files = fs.readdirSync(path.join(t.config.data, 'thumbs-test'), { recursive: true }).filter(f => String(f).endsWith('.jpg'))
    expect(files).toHaveLength(1)
    const th2 = new Thumbnailer({ dir: path.join(t.config.data, 'thumbs-test'), sharp: async () => { throw new Error('must not decode again') } })
    expect(await th2.thumbnail(d, '/pics/plain.jpg', 'small')).toEqual(a)
    expect(loads).toBe(1)
  })

  it('answers 404 for files that are not images, missing files and hidden files', async () => {
    const d = t.node.library.get(key)!
    await put(d, '/pics/fake.jpg', 'this is not a jpeg')
    for (const p of ['pics/fake.jpg', 'pics/none.jpg', '.p2p-portal/drive.json']) {
      expect((await fetch(`${t.url}/thumb/${key}/${p}`)).status, p).toBe(404)
    }
  })

  it('refuses to decode images above the pixel cap (a decompression bomb stays small)', async () => {
    const d = t.node.library.get(key)!
    // 10000×10000 of one colour compresses to a tiny PNG but would be 300 MB decoded.
    const bomb = await sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#888' } }).png({ compressionLevel: 9 }).toBuffer()
    expect(bomb.length).toBeLessThan(1024 * 1024)
    await put(d, '/pics/bomb.png', bomb)
    expect((await fetch(`${t.url}/thumb/${key}/pics/bomb.png`)).status).toBe(404)
  })
})
