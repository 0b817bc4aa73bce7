// A drive's figures (files, bytes) follow its latest version: a change made while a count runs is counted too.
import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect, afterAll } from 'vitest'
import { Library } from '../../services/storage/library.js'
import { fitInflight } from '../../services/storage/library-drive.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

let library: Library | null = null
afterAll(async () => { await library?.close(); await removeTempDirs() })

describe('drive figures', () => {
  // Closed here, before the specs below reuse `library`: left open, its lazy write of library.json came after
  // removeTempDirs had emptied the folder, which then failed the file or was left behind in /tmp.
  afterAll(async () => { await library?.close(); library = null })

  it('count every file of a drive written quickly, not the version a running count started on', async () => {
    library = new Library({ dataDir: await tempDir('p2p-figures-') })
    await library.open()
    const d = await library.createOwnDrive({ title: 'Many', description: '' })
    let lastCounted = -1
    d.on('counted', (f) => { lastCounted = f.files })
    // Each put appends: the first starts a count, and the rest arrive while it runs.
    for (let i = 0; i < 501; i++) await d.drive.put(`/f-${String(i).padStart(4, '0')}.txt`, Buffer.from(`file ${i}`))
    // Nothing else asks for a recount (no publisher, no status request): the drive must catch up by itself.
    await until(() => lastCounted === 501, { timeout: 8_000, what: `figures for 501 files (last counted ${lastCounted})` })
    expect(d.snapshot()).toMatchObject({ files: 501, bytes: [...Array(501).keys()].reduce((n, i) => n + `file ${i}`.length, 0), version: d.drive.version })
  })

  it('never pair a new version with the files and bytes of the version before it', async () => {
    const d = await library!.createOwnDrive({ title: 'Growing', description: '' })
    await d.drive.put('/small.txt', Buffer.from('small'))
    const before = await d.refresh()
    const seen: Array<{ version: number, files: number, bytes: number }> = []
    const look = () => { const f = d.snapshot(); seen.push({ version: f.version, files: f.files, bytes: f.bytes }) }
    d.on('update', look)
    d.on('counted', look)
    await d.drive.put('/big.bin', Buffer.alloc(200_000, 1))
    const after = await d.refresh()
    expect(after).toMatchObject({ version: d.drive.version, files: 2, bytes: 200_005 })
    // A consumer reading "version N, localBytes === bytes" takes version N to be all here: the figures shown at
    // any version are that version's own.
    for (const f of seen) {
      if (f.version === before.version) expect(f).toMatchObject({ files: 1, bytes: 5 })
      else expect(f).toMatchObject({ version: after.version, files: 2, bytes: 200_005 })
    }
    expect(seen.some(f => f.version === before.version)).toBe(true)
  })
})

describe('drive figures at start', () => {
  /** A library with one drive of three files, closed, and its library.json as the next start will read it. */
  async function closedLibrary (): Promise<{ dir: string, key: string, state: any }> {
    const dir = await tempDir('p2p-figures-start-')
    const lib = new Library({ dataDir: dir })
    await lib.open()
    const d = await lib.createOwnDrive({ title: 'Kept', description: 'Remembered across starts' })
    for (const name of ['a', 'b', 'c']) await d.drive.put(`/${name}.txt`, Buffer.from(name.repeat(10)))
    await d.refresh()
    const key = d.id
    await lib.close()
    return { dir, key, state: JSON.parse(await fs.readFile(path.join(dir, 'library.json'), 'utf8')) }
  }

  it('a restarted node shows a drive\'s last count at once, and counts it again once the node is ready', async () => {
    const { dir, key, state } = await closedLibrary()
    expect(state.drives[key].counted).toMatchObject({ files: 3, bytes: 30, localBytes: 30, description: 'Remembered across starts' })
    // A count that open() waited for would never show this figure: it is the remembered one, not the drive's.
    state.drives[key].counted.files = 999
    await fs.writeFile(path.join(dir, 'library.json'), JSON.stringify(state))
    library = new Library({ dataDir: dir })
    await library.open()
    const d = library.get(key)!
    expect(d.snapshot()).toMatchObject({ files: 999, bytes: 30, known: true })
    expect(d.info.description).toBe('Remembered across starts')
    expect(d.countPending).toBe(true)
    await library.finishOpening()
    expect(d.countPending).toBe(false)
    expect(d.snapshot()).toMatchObject({ files: 3, bytes: 30, localBytes: 30, known: true })
    await library.close()
    library = null
  })

  it('figures remembered at another version are not shown: open() counts the drive first', async () => {
    const { dir, key, state } = await closedLibrary()
    state.drives[key].counted.version -= 1
    state.drives[key].counted.files = 999
    await fs.writeFile(path.join(dir, 'library.json'), JSON.stringify(state))
    library = new Library({ dataDir: dir })
    await library.open()
    expect(library.get(key)!.snapshot()).toMatchObject({ files: 3, bytes: 30, known: true })
    await library.close()
    library = null
  })
})

describe('a mirror\'s request window', () => {
  /** A blobs core as fitInflight() sees it: its length, its bytes, and hypercore's replicator. */
  const core = (blocks: number, bytes: number) => {
    const c = { length: blocks, byteLength: bytes, replicator: { inflightRange: [16, 512], setInflightRange (min: number, max: number) { c.replicator.inflightRange = [min, max] } } }
    return c
  }
  const KiB = 1024

  it('asks one peer for about 6 MiB of 512 KiB blocks at once (12 requests over TCP), not hypercore\'s 48', () => {
    const c = core(512, 512 * 512 * KiB)
    fitInflight(c)
    expect(c.replicator.inflightRange).toEqual([4, 512])
  })

  it('keeps hypercore\'s window for small blocks, where fewer requests would leave the link idle', () => {
    const c = core(5000, 5000 * 10 * KiB)
    fitInflight(c)
    expect(c.replicator.inflightRange).toEqual([16, 512])
  })

  it('sizes for the largest blocks until a peer has said how large they are', () => {
    const c = core(0, 0)
    fitInflight(c)
    expect(c.replicator.inflightRange).toEqual([4, 512])
  })
})
