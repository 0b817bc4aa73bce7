// A whole listing of a drive checkout reads the file tree's blocks ahead, in batches (services/storage/
// metadata-read-ahead.ts): a mirror's count, a reclaim's, the search index and a shared folder's sync list every
// entry, and one storage read per entry was most of a 5,000-file mirror's count.
import { describe, it, expect } from 'vitest'
import { Corestore, Hyperdrive } from '../../services/holepunch-modules.js'
import { listCheckout, readAhead, READ_AHEAD_BATCH, type ReadAheadFigures } from '../../services/storage/metadata-read-ahead.js'
import { tempDir } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'

const closers = closeAfterEach()

async function openDrive (store?: Corestore, key?: Buffer): Promise<{ store: Corestore, drive: Hyperdrive }> {
  store ??= new Corestore(await tempDir('read-ahead-'))
  const drive = new Hyperdrive(store, key)
  await drive.ready()
  closers.push(async () => { await drive.close(); await store.close() })
  return { store, drive }
}

const NAMES = ['affiche', 'cartel', 'ملصق', 'poster', 'réunion', 'año', 'اجتماع']

/** A drive written in no order of its keys, with files replaced and removed: its tree is read in no order of its blocks. */
async function untidyDrive (files: number): Promise<Hyperdrive> {
  const { drive } = await openDrive()
  const order = Array.from({ length: files }, (_, i) => (i * 7919) % files)
  for (const i of order) await drive.put(`/${NAMES[i % NAMES.length]}/${i}-${NAMES[(i * 3) % NAMES.length]}.txt`, Buffer.from(`${i} ${NAMES[i % NAMES.length]}`))
  for (let i = 0; i < files; i += 7) await drive.put(`/${NAMES[i % NAMES.length]}/${i}-${NAMES[(i * 3) % NAMES.length]}.txt`, Buffer.from(`replaced ${i}`))
  for (let i = 3; i < files; i += 11) await drive.del(`/${NAMES[i % NAMES.length]}/${i}-${NAMES[(i * 3) % NAMES.length]}.txt`)
  return drive
}

/** Key and value of every entry of a checkout, as Hyperdrive itself lists them; then `stop()` and the checkout closed. */
async function listAndClose (snap: Hyperdrive, stop = (): void => { /* nothing read ahead */ }): Promise<string[]> {
  const entries: string[] = []
  try {
    for await (const e of snap.list('/', { recursive: true, wait: false })) entries.push(JSON.stringify([e.seq, e.key, e.value]))
  } finally {
    stop()
    await snap.close()
  }
  return entries
}

/** The listing of the drive's latest version, block by block. */
async function plainListing (drive: Hyperdrive): Promise<string[]> {
  return await listAndClose(drive.checkout(drive.version))
}

/** The same listing through listCheckout, with the storage read batches it made. */
async function readAheadListing (drive: Hyperdrive, stopAfter = Infinity): Promise<{ entries: string[], reads: number, figures: ReadAheadFigures, state: object }> {
  const snap = drive.checkout(drive.version)
  await snap.ready()
  const state = (snap as any).db.core.state
  const storage = state.storage
  const stock = storage.read
  let reads = 0
  storage.read = function (...args: unknown[]) { reads++; return stock.apply(this, args) }
  const figures: ReadAheadFigures = { batches: 0, readAhead: 0, served: 0 }
  const entries: string[] = []
  try {
    for await (const e of listCheckout(snap, '/', figures)) {
      entries.push(JSON.stringify([e.seq, e.key, e.value]))
      if (entries.length >= stopAfter) break
    }
    return { entries, reads, figures, state }
  } finally {
    storage.read = stock
    await snap.close()
  }
}

describe('listing a whole drive checkout', () => {
  it('lists every entry exactly as Hyperdrive does, in a few read batches instead of one read per entry', async () => {
    const drive = await untidyDrive(1500)
    const plain = await plainListing(drive)
    expect(plain.length).toBe(1500 - Math.ceil((1500 - 3) / 11))
    const { entries, reads, figures } = await readAheadListing(drive)
    expect(entries).toEqual(plain)
    // Every block past the header, read ahead in batches of READ_AHEAD_BATCH; each entry's read served from them.
    expect(figures.readAhead).toBe(drive.core.length - 1)
    expect(figures.batches).toBe(Math.ceil((drive.core.length - 1) / READ_AHEAD_BATCH))
    expect(figures.served).toBeGreaterThanOrEqual(plain.length)
    expect(reads).toBeLessThan(figures.batches + 10)
  })

  it('holds no more than its bound read ahead, and still lists every entry', async () => {
    const drive = await untidyDrive(600)
    const plain = await plainListing(drive)
    const snap = drive.checkout(drive.version)
    await snap.ready()
    const core = (snap as any).db.core
    const blockBytes = core.byteLength / core.length
    const figures: ReadAheadFigures = { batches: 0, readAhead: 0, served: 0 }
    // Room for about 50 blocks: a window of small batches that moves across the whole core as the listing reads.
    const stop = readAhead(core, Math.ceil(50 * blockBytes), figures)
    const entries = await listAndClose(snap, stop)
    expect(entries).toEqual(plain)
    // It moved on one batch (12 blocks) per 12 reads: through most of the core.
    expect(figures.batches).toBeGreaterThan(40)
    expect(figures.mostHeld).toBeLessThanOrEqual(50)
    expect(figures.served).toBeGreaterThan(0)
  })

  it('puts the checkout\'s own reads back when a listing stops early', async () => {
    const drive = await untidyDrive(300)
    const { entries, state } = await readAheadListing(drive, 10)
    expect(entries.length).toBe(10)
    expect(Object.prototype.hasOwnProperty.call(state, 'readBlock')).toBe(false)
  })

  it('reads nothing ahead for a drive\'s live session: its blocks are not fixed as a checkout\'s are', async () => {
    const drive = await untidyDrive(50)
    const figures: ReadAheadFigures = { batches: 0, readAhead: 0, served: 0 }
    const stop = readAhead((drive as any).db.core, undefined, figures)
    stop()
    expect(figures.batches).toBe(0)
    expect(Object.prototype.hasOwnProperty.call((drive as any).db.core.state, 'readBlock')).toBe(false)
  })

  it('lists every entry of a mirror whose blocks arrived after they were read ahead', async () => {
    const publisher = await untidyDrive(400)
    const plain = await plainListing(publisher)
    const { drive: mirror } = await openDrive(undefined, publisher.key)
    const a = (publisher as any).corestore.replicate(true)
    const b = (mirror as any).corestore.replicate(false)
    a.pipe(b).pipe(a)
    closers.push(async () => { a.destroy(); b.destroy() })
    const length = publisher.core.length
    await mirror.core.download({ start: 0, end: Math.floor(length / 2) }).done()
    const snap = mirror.checkout(length)
    await snap.ready()
    const core = (snap as any).db.core
    const figures: ReadAheadFigures = { batches: 0, readAhead: 0, served: 0 }
    const stop = readAhead(core, undefined, figures)
    // The blocks read ahead of the second half were not here; they are, by the time the listing asks for them.
    await mirror.core.download({ start: 0, end: length }).done()
    const entries = await listAndClose(snap, stop)
    expect(figures.readAhead).toBe(length - 1)
    expect(entries).toEqual(plain)
  })
})
