// Peers place drives by the size their publisher offers. A shared folder being imported is offered at the size it
// will have once it is in, and a new one not before its folder has been walked: a size that grows under the
// peers' placement would make a small-disk mirror evict a drive for it, then another as it grows.
import { describe, it, expect, afterEach } from 'vitest'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import crypto from 'node:crypto'
import { PassThrough, type Readable } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { FolderPublisher } from '../../services/publish/folder-publisher.js'
import { libraryCatalogue } from '../../services/replication/library-catalogue.js'
import { tempDir, removeTempDirs, until } from '../helpers/temp-dir.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const MB = 1024 * 1024
const open: Array<{ close (): Promise<void> }> = []

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
  await removeTempDirs()
})

describe('the size a shared folder is offered at', () => {
  it('is not offered before its folder is walked, then at its full size while the files are written', async () => {
    const library = new Library({ dataDir: await tempDir() })
    await library.open()
    open.push(library)
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
})
