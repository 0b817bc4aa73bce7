// A restarted node opens a mirrored drive it has counted before (its file tree's core, then its file bytes' core)
// once the node is ready, not during the start (library-drive.ts, deferred-blobs-drive.ts, Library.finishOpening):
// a start does not wait for 200 cores, and nothing a visitor, a peer, the mirror or the disk caps rely on changes
// meanwhile.
import { describe, it, expect } from 'vitest'
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Library } from '../../services/storage/library.js'
import { isHidden, type LibraryDrive } from '../../services/storage/library-drive.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { setLogLevel } from '../../services/log.js'
import { replicateStores } from '../helpers/replicate-stores.js'

setLogLevel('silent')
const KiB = 1024
const closers = closeAfterEach()

async function library (dataDir?: string): Promise<Library> {
  const l = new Library({ dataDir: dataDir ?? await tempDir('deferred-') })
  await l.open()
  closers.push(() => l.close())
  return l
}

/** A publisher's drive of two files, mirrored whole by a second node that is then stopped. */
async function stoppedMirror (): Promise<{ publisher: Library, own: LibraryDrive, mirrorDir: string, files: Record<string, Buffer>, blobsDiscoveryKey: Buffer }> {
  const publisher = await library()
  const own = await publisher.createOwnDrive({ title: 'Posters', description: '' })
  const files = { '/a.bin': crypto.randomBytes(700 * KiB), '/b.txt': Buffer.from('affiche — ملصق') }
  for (const [name, body] of Object.entries(files)) await own.drive.put(name, body)
  const mirror = await library()
  const copy = await mirror.addMirror(own.id)
  const stop = replicateStores(publisher, mirror)
  const held = 700 * KiB + files['/b.txt'].length
  await until(async () => (await copy.refresh()).localBytes === held, { what: 'the whole drive on the mirror' })
  // What the next start shows at once: the count the library keeps in library.json.
  await until(() => mirror.record(own.id)?.counted?.localBytes === held, { what: 'the whole drive\'s count remembered' })
  const blobsDiscoveryKey = (await copy.fileBlobs()).core.discoveryKey
  await stop()
  await mirror.close()
  return { publisher, own, mirrorDir: mirror.dataDir, files, blobsDiscoveryKey }
}

describe('a mirrored drive after a restart', () => {
  it('opens without its cores and shows its last count, disk use included, until the node is ready', async () => {
    const { own, mirrorDir, files } = await stoppedMirror()
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    expect(d.coresOpen).toBe(false)
    expect(d.loadedBlobs).toBeNull()
    // What peers are offered needs no core: the drive's key, its discovery key and the count.
    expect(d.discoveryKey.equals(own.discoveryKey)).toBe(true)
    expect(d.version).toBe(own.version)
    expect(d.replicatedCores()).toEqual({ metadata: null, blobs: null })
    const held = 700 * KiB + files['/b.txt'].length
    expect(d.snapshot()).toMatchObject({ files: 2, bytes: held, localBytes: held, known: true })
    // The caps charge it what it held, not nothing: a mirror must not take in more drives meanwhile.
    expect(d.storeFigures().bytes).toBe(held)

    await mirror.finishOpening()
    expect(d.coresOpen).toBe(true)
    expect(d.loadedBlobs).not.toBeNull()
    expect(d.countPending).toBe(false)
    expect(d.snapshot()).toMatchObject({ files: 2, bytes: held, localBytes: held, known: true })
    expect(d.storeFigures().bytes).toBeGreaterThanOrEqual(held)
  })

  it('serves a file asked for before the node has finished opening, byte for byte', async () => {
    const { own, mirrorDir, files } = await stoppedMirror()
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    expect(d.coresOpen).toBe(false)
    expect((await d.lookup('/b.txt'))?.value.blob.byteLength).toBe(files['/b.txt'].length)
    expect((await (await d.hyperdrive()).get('/b.txt', { wait: false }))?.equals(files['/b.txt'])).toBe(true)
    const blobs = await d.fileBlobs()
    expect(blobs.core.length).toBeGreaterThan(0)
    expect(d.loadedBlobs).toBe(blobs)
  })

  it('lists its files before the node has finished opening', async () => {
    const { own, mirrorDir } = await stoppedMirror()
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    expect(d.coresOpen).toBe(false)
    const names: string[] = []
    for await (const e of d.localList('/', { recursive: true })) if (!isHidden(e.key)) names.push(e.key)
    expect(names.sort()).toEqual(['/a.bin', '/b.txt'])
    expect((await d.localEntry('/a.bin'))?.value.blob.byteLength).toBe(700 * KiB)
  })

  it('gives a peer the whole drive before its own cores have opened', async () => {
    const { publisher, own, mirrorDir, files } = await stoppedMirror()
    await publisher.close()
    const mirror = await library(mirrorDir)
    expect(mirror.get(own.id)!.coresOpen).toBe(false)
    const third = await library()
    const copy = await third.addMirror(own.id)
    closers.push(replicateStores(mirror, third))
    const held = 700 * KiB + files['/b.txt'].length
    await until(async () => (await copy.refresh()).localBytes === held, { what: 'the whole drive on the third node, from the mirror alone' })
    expect((await copy.drive.get('/b.txt', { wait: false }))?.equals(files['/b.txt'])).toBe(true)
  })

  it('shows the count kept from its last run until it counts the version it holds, when that count is older', async () => {
    const { own, mirrorDir, files } = await stoppedMirror()
    // The library keeps counts lazily (library.json, at most once a minute): a power cut can leave an older one.
    const file = path.join(mirrorDir, 'library.json')
    const state = JSON.parse(await fs.readFile(file, 'utf8'))
    const older = { version: own.version - 1, files: 1, bytes: 700 * KiB, localBytes: 700 * KiB, description: '' }
    state.drives[own.id].counted = older
    await fs.writeFile(file, JSON.stringify(state))
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    expect(d.snapshot()).toMatchObject({ version: older.version, files: 1, bytes: older.bytes, known: true })
    await mirror.finishOpening()
    const held = 700 * KiB + files['/b.txt'].length
    expect(d.snapshot()).toMatchObject({ version: own.version, files: 2, bytes: held, localBytes: held, known: true })
  })

  it('fetches a version published while it was stopped once its file bytes open', async () => {
    const { publisher, own, mirrorDir } = await stoppedMirror()
    const later = crypto.randomBytes(600 * KiB)
    await own.drive.put('/later.bin', later)
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    closers.push(replicateStores(publisher, mirror))
    void mirror.finishOpening()
    const hyperdrive = await d.hyperdrive()
    await until(async () => (await hyperdrive.get('/later.bin', { wait: false }).catch(() => null))?.equals(later) === true, { what: 'the new file on the mirror' })
    await until(async () => (await d.refresh()).files === 3 && d.snapshot().localBytes === d.snapshot().bytes, { what: 'the new version counted complete' })
  })

  it('is deleted whole, file tree and file bytes, when removed before its cores were ever opened', async () => {
    const { own, mirrorDir, blobsDiscoveryKey } = await stoppedMirror()
    const mirror = await library(mirrorDir)
    const d = mirror.get(own.id)!
    expect(d.coresOpen).toBe(false)
    const storage = mirror.store.storage as unknown as { hasCore (discoveryKey: Buffer): Promise<boolean> }
    expect(await storage.hasCore(blobsDiscoveryKey)).toBe(true)
    await mirror.remove(own.id)
    expect(await storage.hasCore(blobsDiscoveryKey)).toBe(false)
    expect(await storage.hasCore(own.discoveryKey)).toBe(false)
  })
})
