// A drive only another node holds, opened from this node's pages on loopback: the card links to it, its
// folders, file pages, Range answers and downloads come from the holder block by block, this node never counts
// it as held, and once the holder is gone the pages say so in the visitor's language with a 503.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import crypto from 'node:crypto'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { put } from '../../helpers/portal-drive.js'
import { makeJpeg } from '../../helpers/sample-media.js'
import { removeTempDirs, until } from '../../helpers/temp-dir.js'

const MiB = 1024 * 1024
// 3 MiB of noise, so that a Range from the middle needs blocks the first answer did not bring.
const FILM = crypto.randomBytes(3 * MiB)
let holder: TestNode
let visitor: TestNode
let key: string
let later: string
let lost: string

beforeAll(async () => {
  holder = await startTestNode([['name', 'Holder Pi']])
  // Takes no drive for the region: what it shows of the holder's drive, it fetches on demand.
  visitor = await startTestNode([['name', 'Visitor Pi'], ['mirror', 'followed']])
  const d = await holder.node.library.createOwnDrive({ title: 'Films', description: 'Only on the holder' })
  await put(d, '/films/film.webm', FILM)
  await put(d, '/notes.txt', 'Notes about zebras.\n')
  await put(d, '/photos/zebra.jpg', await makeJpeg(800, 600))
  await d.refresh()
  key = d.id
  const l = await holder.node.library.createOwnDrive({ title: 'Later', description: '' })
  await put(l, '/later.bin', FILM.subarray(0, MiB))
  await l.refresh()
  later = l.id
  const x = await holder.node.library.createOwnDrive({ title: 'Lost', description: '' })
  await put(x, '/lost.bin', FILM.subarray(0, MiB))
  await x.refresh()
  lost = x.id
  visitor.node.peers.discovered({ key: holder.node.library.nodeKey, host: '127.0.0.1', port: holder.node.peers.port, name: 'Holder Pi' })
  await until(() => visitor.node.mirror.seeders(key) === 1 && visitor.node.mirror.seeders(later) === 1 && visitor.node.mirror.seeders(lost) === 1, { what: 'the holder\'s offers' })
}, 60_000)

afterAll(async () => {
  await visitor?.close()
  await holder?.close()
  await removeTempDirs()
})

const sha = (b: Buffer | Uint8Array) => crypto.createHash('sha256').update(b).digest('hex')

describe('a drive only a nearby node holds', () => {
  it('has a card that links to it', async () => {
    const html = await (await fetch(visitor.url + '/')).text()
    const near = html.slice(html.indexOf('Nearby, not copied here yet'))
    expect(near).toContain('Films')
    expect(near).toContain(`href="/drive/${key}/"`)
  })

  it('opens: its folders, a text file\'s page, on demand from the holder', async () => {
    const root = await fetch(`${visitor.url}/drive/${key}/`)
    expect(root.status).toBe(200)
    const html = await root.text()
    expect(html).toContain('Films')
    expect(html).toContain(`/drive/${key}/films/`)
    const notes = await (await fetch(`${visitor.url}/drive/${key}/notes.txt`)).text()
    expect(notes).toContain('Notes about zebras.')
    // The gallery's thumbnails are made here from the photo's blocks, fetched like any other.
    const gallery = await (await fetch(`${visitor.url}/drive/${key}/photos/`)).text()
    expect(gallery).toContain(`/thumb/${key}/photos/zebra.jpg`)
    const thumb = await fetch(`${visitor.url}/thumb/${key}/photos/zebra.jpg`)
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/jpeg')
  })

  it('answers a Range from past the middle with exactly those bytes, and a download byte-identical', async () => {
    const from = 2 * MiB + 12_345
    const r = await fetch(`${visitor.url}/d/${key}/films/film.webm`, { headers: { Range: `bytes=${from}-` } })
    expect(r.status).toBe(206)
    expect(r.headers.get('content-range')).toBe(`bytes ${from}-${FILM.length - 1}/${FILM.length}`)
    expect(sha(Buffer.from(await r.arrayBuffer()))).toBe(sha(FILM.subarray(from)))
    const all = await fetch(`${visitor.url}/d/${key}/films/film.webm?download`)
    expect(all.status).toBe(200)
    expect(all.headers.get('content-disposition')).toContain('attachment')
    expect(sha(Buffer.from(await all.arrayBuffer()))).toBe(sha(FILM))
  })

  it('is not held here: not in drives[], not offered to peers, its copies unchanged, its blocks in the browse cache', async () => {
    const status = await (await fetch(visitor.url + '/api/status')).json()
    expect(status.drives.map((d: any) => d.key)).not.toContain(key)
    const offered = status.available.find((d: any) => d.key === key)
    expect(offered).toMatchObject({ peers: 1, copies: 1, holders: [holder.node.library.nodeKey] })
    expect(visitor.node.library.has(key)).toBe(false)
    expect(visitor.node.peers.peers()[0]).toBeDefined()
    const held = await (await fetch(holder.url + '/api/status')).json()
    expect(held.drives.find((d: any) => d.key === key)).toMatchObject({ copies: 1, holders: [holder.node.library.nodeKey] })
    expect(visitor.node.browse.has(key)).toBe(true)
    expect(visitor.node.browse.bytes).toBeGreaterThanOrEqual(FILM.length)
  })

  it('becomes an ordinary mirror, blocks and all, once this node takes it', async () => {
    const half = await fetch(`${visitor.url}/d/${later}/later.bin`, { headers: { Range: 'bytes=0-524287' } })
    expect(half.status).toBe(206)
    await half.arrayBuffer()
    expect(visitor.node.browse.has(later)).toBe(true)
    // The organiser's "Mirror again" takes it as placement would (library.addMirror), followed besides.
    await visitor.node.mirror.mirrorAgain(later)
    expect(visitor.node.browse.has(later)).toBe(false)
    const d = await until(async () => {
      const st = await (await fetch(visitor.url + '/api/status')).json()
      return st.drives.find((x: any) => x.key === later && x.complete)
    }, { what: 'the mirror to complete', timeout: 20_000 })
    expect(d).toMatchObject({ followed: true, bytes: MiB, localBytes: MiB })
    const all = await fetch(`${visitor.url}/d/${later}/later.bin`)
    expect(sha(Buffer.from(await all.arrayBuffer()))).toBe(sha(FILM.subarray(0, MiB)))
  })

  it('answers 503 rather than hang when the holder is there but does not send the first block', async () => {
    expect((await fetch(`${visitor.url}/drive/${lost}/`)).status).toBe(200)
    // The holder loses the file's blocks (a damaged card, say) but still offers the drive.
    const blobs = await holder.node.library.get(lost)!.fileBlobs()
    await blobs.core.clear(0, blobs.core.length)
    const r = await fetch(`${visitor.url}/d/${lost}/lost.bin`)
    expect(r.status).toBe(503)
    expect(await r.text()).toContain('answered in time')
  }, 30_000)

  it('once the holder is gone, says no holder is reachable, with a 503 page in the visitor\'s language', async () => {
    await holder.close()
    await until(() => visitor.node.mirror.seeders(key) === 0, { what: 'the holder to be gone', timeout: 20_000 })
    const en = await fetch(`${visitor.url}/drive/${key}/`)
    expect(en.status).toBe(503)
    expect(await en.text()).toContain('none of them can be reached right now')
    const ar = await fetch(`${visitor.url}/drive/${key}/`, { headers: { 'Accept-Language': 'ar' } })
    expect(ar.status).toBe(503)
    const body = await ar.text()
    expect(body).toContain('dir="rtl"')
    expect(body).toContain('غير متاح الآن')
    const file = await fetch(`${visitor.url}/d/${key}/films/film.webm`)
    expect(file.status).toBe(503)
  })
})
