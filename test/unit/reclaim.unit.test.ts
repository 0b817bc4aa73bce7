// Giving back what superseded versions hold (issue 14 item 6), drive by drive, in memory: two libraries joined by
// piped replication streams.
import { describe, it, expect } from 'vitest'
import crypto from 'node:crypto'
import { PassThrough } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { setLogLevel } from '../../services/log.js'
import { replicateStores } from '../helpers/replicate-stores.js'

setLogLevel('silent')
const MB = 1024 * 1024
const closers = closeAfterEach()

async function library (): Promise<Library> {
  const l = new Library({ dataDir: await tempDir('reclaim-'), compactDelayMs: 10, compactGapMs: 0 })
  await l.open()
  closers.push(() => l.close())
  return l
}

function connect (a: Library, b: Library): void {
  closers.push(replicateStores(a, b))
}

/** Which blocks of [start, end) the core holds. */
async function heldBlocks (core: any, start: number, end: number): Promise<number> {
  let n = 0
  for (let i = start; i < end; i++) if (await core.has(i)) n++
  return n
}

describe('a mirror', () => {
  it('fetches only the blocks of the latest version, never those a newer version replaced', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Notes', description: '' })
    const old = crypto.randomBytes(3 * MB)
    const fresh = crypto.randomBytes(2 * MB)
    await d.drive.put('/film.bin', old)
    const superseded = (await d.localEntry('/film.bin')).value.blob
    await d.drive.put('/film.bin', fresh)
    const copy = await b.addMirror(d.id)
    connect(a, b)
    await until(async () => { const f = await copy.refresh(); return f.known && f.localBytes === fresh.length }, { what: 'the mirror to hold the latest version' })
    expect((await copy.drive.get('/film.bin', { wait: false }))?.equals(fresh)).toBe(true)
    const blobs = await copy.fileBlobs()
    expect(await heldBlocks(blobs.core, superseded.blockOffset, superseded.blockOffset + superseded.blockLength)).toBe(0)
    // What the caps charge it: the latest version, not every version's bytes (5 MB here).
    expect(copy.storeFigures().bytes).toBeLessThan(2.1 * MB)
  })

  it('gives back what it held of a version once a newer one is complete', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Notes', description: '' })
    const writer = new DriveWriter(a, a.dataDir)
    await writer.writeStream(d, '/film.bin', streamOf(crypto.randomBytes(3 * MB)))
    const copy = await b.addMirror(d.id)
    connect(a, b)
    await until(async () => { const f = await copy.refresh(); return f.known && f.localBytes === 3 * MB }, { what: 'the first version on the mirror' })
    const first = (await copy.localEntry('/film.bin')).value.blob
    const fresh = crypto.randomBytes(MB)
    await writer.writeStream(d, '/film.bin', streamOf(fresh))
    const blobs = await copy.fileBlobs()
    await until(async () => await heldBlocks(blobs.core, first.blockOffset, first.blockOffset + first.blockLength) === 0, { what: 'the first version\'s blocks given back' })
    expect((await copy.drive.get('/film.bin', { wait: false }))?.equals(fresh)).toBe(true)
    await until(() => b.compactor.runs > 0, { what: 'the mirror\'s store to compact' })
  })
  it('fetches again what a newer version puts back while it gives those blocks back', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Notes', description: '' })
    const keep = crypto.randomBytes(100_000)
    await d.drive.put('/keep.bin', keep)
    const copy = await b.addMirror(d.id)
    connect(a, b)
    await until(async () => { const f = await copy.refresh(); return f.known && f.localBytes === keep.length }, { what: 'the first version on the mirror' })

    // A stock publisher writing two files at once: one file's blocks, then another file whole, then the first
    // file's entry. The version in between does not need the first file's blocks, which the mirror already holds.
    const blobs = await d.fileBlobs()
    const late = crypto.randomBytes(MB)
    const at = { blockOffset: blobs.core.length, byteOffset: blobs.core.byteLength, blockLength: 2, byteLength: late.length }
    await blobs.core.append([late.subarray(0, MB / 2), late.subarray(MB / 2)])
    const mirrored = await copy.fileBlobs()
    await until(async () => await mirrored.core.has(at.blockOffset, at.blockOffset + 2), { what: 'the first file\'s blocks on the mirror' })
    // A slow card: the reclaim of the version in between stalls at its first clear until the next version is counted.
    const clear = mirrored.core.clear.bind(mirrored.core)
    let clears = 0
    let release: (() => void) | null = null
    const released = new Promise<void>((resolve) => { release = resolve })
    mirrored.core.clear = async (...args: any[]) => {
      if (clears++ === 0) await released
      return await clear(...args)
    }
    const other = crypto.randomBytes(200_000)
    await d.drive.put('/other.bin', other)
    await until(() => clears > 0, { what: 'the mirror to give back the blocks its latest version does not need' })

    await d.drive.putEntry('/late.bin', { blob: at })
    await until(() => copy.drive.version === d.drive.version, { what: 'the first file\'s entry on the mirror' })
    expect(await copy.refresh()).toMatchObject({ files: 3, bytes: keep.length + other.length + late.length })
    const gaveBack = new Promise((resolve) => copy.once('reclaimed', resolve))
    release!()
    await gaveBack
    const whole = keep.length + other.length + late.length
    await until(async () => copy.snapshot().localBytes === whole && await mirrored.core.has(at.blockOffset, at.blockOffset + 2), { what: 'the latest version whole on the mirror' })
    expect((await copy.drive.get('/late.bin', { wait: false }))?.equals(late)).toBe(true)
  })
})

describe('an own drive', () => {
  it('gives back the blocks of a file cut off before its entry was written', async () => {
    const a = await library()
    const d = await a.createOwnDrive({ title: 'Notes', description: '' })
    const writer = new DriveWriter(a, a.dataDir)
    const kept = crypto.randomBytes(MB + 1234)
    await writer.writeStream(d, '/kept.bin', streamOf(kept))
    // What a SIGKILL mid-file leaves: blocks in the blobs core that no entry points at.
    const blobs = await d.fileBlobs()
    const from = blobs.core.length
    for (let i = 0; i < 6; i++) await blobs.core.append(crypto.randomBytes(512 * 1024))
    const r = await d.reclaim()
    expect(r?.blocks).toBe(6)
    expect(await heldBlocks(blobs.core, from, from + 6)).toBe(0)
    expect((await d.drive.get('/kept.bin'))?.equals(kept)).toBe(true)
  })

  it('never clears a file being written while it reclaims: writes and reclaims take turns', async () => {
    const a = await library()
    const d = await a.createOwnDrive({ title: 'Notes', description: '' })
    const writer = new DriveWriter(a, a.dataDir)
    await writer.writeStream(d, '/old.bin', streamOf(crypto.randomBytes(MB)))
    await writer.remove(d, '/old.bin')
    const blobs = await d.fileBlobs()
    const before: number = blobs.core.length
    // The writer appends a file's blocks a few at a time (block-appender.ts): the first ones are in before the entry.
    const body = crypto.randomBytes(10 * MB)
    const source = new PassThrough()
    const writing = writer.writeStream(d, '/new.bin', source)
    source.write(body.subarray(0, 9 * MB))
    await until(() => blobs.core.length >= before + 16, { what: 'the new file\'s first blocks' })
    // Its first blocks are in the core, its entry is not: a reclaim now waits for the write.
    const reclaiming = d.reclaim()
    source.end(body.subarray(9 * MB))
    await writing
    await reclaiming
    expect((await d.drive.get('/new.bin', { wait: false }).catch(() => null))?.equals(body)).toBe(true)
  })
})

describe('a removed drive', () => {
  it('leaves nothing of its cores in the store: blocks, Merkle tree and bitfield go with it, other drives stay whole', async () => {
    const a = await library()
    const other = await a.createOwnDrive({ title: 'Other', description: '' })
    await other.drive.put('/keep.txt', Buffer.from('still here'))
    const before = await storeRecords(a)
    const d = await a.createOwnDrive({ title: 'Film', description: '' })
    const writer = new DriveWriter(a, a.dataDir)
    await writer.writeStream(d, '/film.bin', streamOf(crypto.randomBytes(8 * MB)))
    const blobsKey = (await d.fileBlobs()).core.key
    expect(await storeRecords(a)).toBeGreaterThan(before + 16)
    await a.remove(d.id)
    // A record or two of the store's own (its name for the drive) may stay; nothing that grows with the drive.
    // hypercore-storage 3.3.1 kept every tree node and bitfield page of a deleted core (here ~100 records).
    expect(await storeRecords(a)).toBeLessThanOrEqual(before + 2)
    const blobs = a.store.get({ key: blobsKey })
    await blobs.ready()
    expect(blobs.length).toBe(0)
    await blobs.close()
    expect((await other.drive.get('/keep.txt'))?.toString()).toBe('still here')
  })

  it('gives its room on the card back once removed (but for the waste the compactor tolerates), the drive written beside it intact', async () => {
    const a = await library()
    const writer = new DriveWriter(a, a.dataDir)
    const film = await a.createOwnDrive({ title: 'Film', description: '' })
    const kept = await a.createOwnDrive({ title: 'Kept', description: '' })
    const keptBody = crypto.randomBytes(24 * MB)
    // Written side by side, so RocksDB's blob files hold blocks of both. The store no longer collects blob files
    // on its own: a removal must ask the compactor, or the removed drive's 24 MiB stay on the card.
    await Promise.all([
      writer.writeStream(film, '/film.bin', streamOf(crypto.randomBytes(24 * MB))),
      writer.writeStream(kept, '/kept.bin', streamOf(keptBody))
    ])
    await a.flushWrites()
    expect(await a.measureStore(0)).toBeGreaterThan(48 * MB)
    await a.remove(film.id)
    // store-compactor.ts forces a blob collection only past 16 MiB (or 15 %) of waste: up to that much may stay.
    await until(async () => await a.measureStore(0) < 24 * MB + 16 * MB, { timeout: 15_000, what: 'the removed drive\'s room back' })
    expect((await kept.drive.get('/kept.bin'))?.equals(keptBody)).toBe(true)
  })

  it('mirrored again at once (before its data is gone) opens once the deletion is done, and fetches the drive whole', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Film', description: '' })
    const film = crypto.randomBytes(3 * MB)
    await new DriveWriter(a, a.dataDir).writeStream(d, '/film.bin', streamOf(film))
    connect(a, b)
    const copy = await b.addMirror(d.id)
    await until(async () => { const f = await copy.refresh(); return f.known && f.localBytes === film.length }, { what: 'the first copy' })
    // What the organiser's "Mirror again" does right after an eviction: the removal is still deleting the data.
    const removing = b.remove(d.id)
    const again = await b.addMirror(d.id)
    await removing
    await until(async () => { const f = await again.refresh(); return f.known && f.localBytes === film.length }, { what: 'the second copy' })
    expect((await again.drive.get('/film.bin', { wait: false }))?.equals(film)).toBe(true)
  })
})

/** Every record in the library's RocksDB: what a deleted core could leave behind, whatever the public API shows. */
async function storeRecords (l: Library): Promise<number> {
  let n = 0
  for await (const _ of (l.store as any).storage.db.iterator({ gte: Buffer.alloc(0), lt: Buffer.alloc(64, 0xff) })) n++
  return n
}

function streamOf (bytes: Buffer): PassThrough {
  const s = new PassThrough()
  s.end(bytes)
  return s
}
