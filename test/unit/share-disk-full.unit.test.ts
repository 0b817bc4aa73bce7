// --share on a full disk: the folder publisher writes through the admin upload's writer, so a file the disk
// cannot hold is refused with DISK_FULL and leaves neither an entry nor blocks behind.
import { describe, it, expect, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import crypto from 'node:crypto'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { FolderPublisher } from '../../services/publish/folder-publisher.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const MB = 1024 * 1024
const open: Array<{ close (): Promise<void> }> = []

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
  await removeTempDirs()
})

/** A library and a folder holding one file of `bytes`, shared through a writer that sees `free()` bytes free. */
async function share (bytes: number, free: () => number) {
  const library = new Library({ dataDir: await tempDir() })
  await library.open()
  open.push(library)
  const folder = await tempDir('p2p-share-')
  await fs.writeFile(path.join(folder, 'big.bin'), crypto.randomBytes(bytes))
  const writer = new DriveWriter(library, library.dataDir, { freeBytes: async () => free() })
  const publisher = new FolderPublisher({ library, folder, writer })
  await publisher.open()
  open.push(publisher)
  // The first import runs in the background (the node listens meanwhile): these specs look at its outcome.
  await publisher.idle()
  const blobs = await publisher.drive!.drive.getBlobs()
  /** Blocks on disk that no listed file owns (the drive's own metadata file owns one). */
  const orphans = async () => {
    let held = 0
    for (let i = 0; i < blobs.core.length; i++) if (await blobs.core.has(i)) held++
    let owned = 0
    for await (const e of publisher.drive!.drive.list('/', { recursive: true })) owned += e.value.blob?.blockLength ?? 0
    return held - owned
  }
  return { publisher, entry: () => publisher.drive!.drive.entry('/big.bin'), orphans }
}

describe('--share on a full disk', () => {
  it('refuses a file the disk cannot hold with DISK_FULL, before writing a block of it', async () => {
    const s = await share(2 * MB, () => 10 * MB)
    expect((s.publisher.lastError as any)?.code).toBe('DISK_FULL')
    expect(await s.entry()).toBeNull()
    expect(await s.orphans()).toBe(0)
  })

  it('stops a file when the disk fills up while it is written, and clears the blocks written so far', async () => {
    let calls = 0
    // Room at the start (the up-front check), then the disk fills up under the write.
    const s = await share(6 * MB, () => ++calls === 1 ? 10_000 * MB : 10 * MB)
    expect(calls).toBeGreaterThan(1)
    expect((s.publisher.lastError as any)?.code).toBe('DISK_FULL')
    expect(await s.entry()).toBeNull()
    expect(await s.orphans()).toBe(0)
  })

  it('publishes the file when there is room (the same writer, nothing refused)', async () => {
    const s = await share(2 * MB, () => 10_000 * MB)
    expect(s.publisher.lastError).toBeNull()
    expect((await s.entry())?.value.blob.byteLength).toBe(2 * MB)
  })
})
