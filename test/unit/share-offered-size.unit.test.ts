// Peers place drives by the size their publisher offers. A shared folder or a USB stick's folder being imported is
// offered at the size it will have once it is in, and a new shared folder not before it has been walked: a size
// that grows under the peers' placement would make a small-disk mirror evict a drive for it, then another as it
// grows, or take it at 0 bytes and go over its cap.
import { describe, it, expect, afterEach } from 'vitest'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import crypto from 'node:crypto'
import { PassThrough, type Readable } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { FolderPublisher } from '../../services/publish/folder-publisher.js'
import { UsbSticks } from '../../services/publish/usb-sticks.js'
import type { LibraryDrive } from '../../services/storage/library-drive.js'
import { libraryCatalogue } from '../../services/replication/library-catalogue.js'
import { tempDir, removeTempDirs, until } from '../helpers/temp-dir.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const MB = 1024 * 1024
const open: Array<{ close (): Promise<void> }> = []

/** An empty library, closed after the spec. */
async function openLibrary (): Promise<Library> {
  const library = new Library({ dataDir: await tempDir() })
  await library.open()
  open.push(library)
  return library
}

/** Every size the library's catalogue offers while `work` runs, sampled at each turn of the event loop. */
async function offeredWhile<T> (library: Library, work: () => Promise<T>): Promise<{ result: T, sizes: number[] }> {
  const sizes: number[] = []
  let running = true
  const sample = (): void => {
    for (const d of libraryCatalogue(library).drives) sizes.push(d.bytes)
    if (running) setImmediate(sample)
  }
  sample()
  try {
    return { result: await work(), sizes }
  } finally {
    running = false
  }
}

/** A writer that holds the second file until `release`, so an import is caught half way. */
class GatedWriter extends DriveWriter {
  writes = 0
  release!: () => void
  private readonly gate = new Promise<void>(resolve => { this.release = resolve })
  override async writeStream (...args: Parameters<DriveWriter['writeStream']>): Promise<number> {
    if (++this.writes === 2) await this.gate
    return await super.writeStream(...args)
  }
}

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
  await removeTempDirs()
})

describe('the size a shared folder is offered at', () => {
  it('is not offered before its folder is walked, then at its full size while the files are written', async () => {
    const library = await openLibrary()
    const folder = await tempDir('p2p-share-')
    for (const name of ['a.bin', 'b.bin', 'c.bin']) await fsp.writeFile(path.join(folder, name), crypto.randomBytes(MB))
    // The second file waits until the spec lets it go, so the import is caught half way.
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    let reads = 0
    const read = (file: string): Readable => {
      if (++reads !== 2) return fs.createReadStream(file)
      const out = new PassThrough()
      void gate.then(() => fs.createReadStream(file).pipe(out))
      return out
    }
    const writer = new DriveWriter(library, library.dataDir, { freeBytes: async () => 1e12 })
    const publisher = new FolderPublisher({ library, folder, writer, read })
    await publisher.open()
    open.push(publisher)
    const offered = () => libraryCatalogue(library).drives.find(d => d.key === publisher.drive!.id)

    // The walk needs the disk, so it has not ended yet: a drive of unknown size is not offered.
    expect(offered()).toBeUndefined()

    await until(async () => reads === 2, { what: 'the second file opened' })
    expect(publisher.drive!.snapshot().bytes).toBeLessThan(3 * MB)
    expect(offered()?.bytes).toBe(3 * MB)
    expect(publisher.drive!.importing).toMatchObject({ files: 3, done: 1, finalBytes: 3 * MB })

    release()
    await publisher.idle()
    expect(publisher.drive!.importing).toBeNull()
    // Counting the drive's files follows the writes.
    await until(async () => offered()?.files === 3, { what: 'the drive counted' })
    expect(offered()).toMatchObject({ bytes: 3 * MB, files: 3, complete: true })
  })

  it('is offered at its folder\'s size from the drive\'s creation to the end of the import, never empty', async () => {
    const library = await openLibrary()
    const folder = await tempDir('p2p-share-')
    for (const name of ['a.bin', 'b.bin']) await fsp.writeFile(path.join(folder, name), crypto.randomBytes(MB))
    const writer = new DriveWriter(library, library.dataDir, { freeBytes: async () => 1e12 })
    const publisher = new FolderPublisher({ library, folder, writer })
    const { sizes } = await offeredWhile(library, async () => {
      await publisher.open()
      open.push(publisher)
      await publisher.idle()
    })
    // Listed mid-creation, or between the last write and the count catching up with it, it was once offered at
    // 0 bytes: a 7 MB mirror holding 6 MB took it and ended at 9.
    expect(sizes.length).toBeGreaterThan(0)
    expect(new Set(sizes)).toEqual(new Set([2 * MB]))
  })
})

describe('the size a folder imported from a USB stick is offered at', () => {
  it('is its full size from the moment the drive is listed, while the files are written', async () => {
    const library = await openLibrary()
    const root = await tempDir('p2p-usb-')
    await fsp.mkdir(path.join(root, 'STICK', 'talks'), { recursive: true })
    for (const name of ['a.bin', 'b.bin', 'c.bin']) await fsp.writeFile(path.join(root, 'STICK', 'talks', name), crypto.randomBytes(MB))
    const writer = new GatedWriter(library, library.dataDir, { freeBytes: async () => 1e12 })
    const usb = new UsbSticks({ library, writer, roots: [root], mountsOnly: false })
    await usb.open()
    open.push(usb)
    const [stick] = await usb.list()
    const offered = (key: string) => libraryCatalogue(library).drives.find(d => d.key === key)
    const { result: job, sizes } = await offeredWhile(library, async () => {
      const job = await usb.startImport(stick, '/talks', { title: 'Talks', description: '' })
      try {
        await until(async () => writer.writes === 2, { what: 'the second file started' })
        const drive = library.get(job.driveKey!) as LibraryDrive
        expect(drive.importing).toMatchObject({ files: 3, done: 1, finalBytes: 3 * MB })
        expect(offered(drive.id)).toMatchObject({ bytes: 3 * MB, complete: false })
      } finally {
        writer.release()
      }
      await until(() => job.state !== 'running', { what: 'the import to finish' })
      return job
    })
    // From the drive's creation to the end of the import, with the count catching up after the last write.
    expect(new Set(sizes)).toEqual(new Set([3 * MB]))
    expect(job.state).toBe('done')
    expect(library.get(job.driveKey!)!.importing).toBeNull()
    expect(offered(job.driveKey!)).toMatchObject({ bytes: 3 * MB, files: 3, complete: true })
  })
})
