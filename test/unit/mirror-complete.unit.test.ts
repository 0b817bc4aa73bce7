// A mirror says when it holds a whole new version ("[drive] … complete", and its 'complete', on which the library
// flushes RocksDB's memtable of the blocks just written): also when it kept up with the publisher live, so that
// every block was already here when the version's entry arrived.
import { describe, it, expect } from 'vitest'
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { setLogLevel } from '../../services/log.js'
import { replicateStores } from '../helpers/replicate-stores.js'

setLogLevel('silent')
const KiB = 1024
const closers = closeAfterEach()

async function library (): Promise<Library> {
  const l = new Library({ dataDir: await tempDir('complete-') })
  await l.open()
  closers.push(() => l.close())
  return l
}

function connect (a: Library, b: Library): void {
  closers.push(replicateStores(a, b))
}

describe('a mirror copying a drive live', () => {
  it('reports a new version complete when it already held every block of it as the version arrived', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Live', description: '' })
    await new DriveWriter(a, a.dataDir).writeStream(d, '/first.bin', Readable.from([crypto.randomBytes(700 * KiB)]))
    const copy = await b.addMirror(d.id)
    const completes: number[] = []
    copy.on('complete', () => completes.push(copy.snapshot().version))
    connect(a, b)
    await until(() => completes.length === 1, { what: 'the first version complete on the mirror' })

    // What an upload does: the file's blocks first, its entry after the last one.
    const blobs = await d.fileBlobs()
    const at = { blockOffset: blobs.core.length, byteOffset: blobs.core.byteLength }
    const body = crypto.randomBytes(1024 * KiB)
    await blobs.core.append([body.subarray(0, 512 * KiB), body.subarray(512 * KiB)])
    const mirrored = await copy.fileBlobs()
    await until(async () => await mirrored.core.has(at.blockOffset, at.blockOffset + 2), { what: 'the new blocks on the mirror' })
    // Counted meanwhile: still the old version, complete, nothing new to say.
    await copy.refresh()
    expect(completes).toHaveLength(1)

    await d.drive.putEntry('/second.bin', { blob: { ...at, blockLength: 2, byteLength: body.length } })
    await until(() => completes.length === 2, { what: 'the new version reported complete' })
    expect(completes[1]).toBe(d.drive.version)
    expect((await copy.drive.get('/second.bin', { wait: false }))?.equals(body)).toBe(true)
  })
})

describe('a mirror counting what it holds', () => {
  it('keeps the newest version\'s local bytes when a count of the version before it finishes last', async () => {
    const a = await library()
    const b = await library()
    const d = await a.createOwnDrive({ title: 'Live', description: '' })
    const first = crypto.randomBytes(700 * KiB)
    await new DriveWriter(a, a.dataDir).writeStream(d, '/first.bin', Readable.from([first]))
    const copy = await b.addMirror(d.id)
    connect(a, b)
    await until(() => copy.snapshot().localBytes === first.length, { what: 'the first version on the mirror' })

    // The next file's one block arrives before its entry, as an upload sends them.
    const blobs = await d.fileBlobs()
    const at = { blockOffset: blobs.core.length, byteOffset: blobs.core.byteLength }
    const body = crypto.randomBytes(300 * KiB)
    const mirrored = await copy.fileBlobs()
    // A busy card: the count that this block's arrival starts (of the version before the entry) stalls on its first
    // look at the bitfield until the new version has been counted.
    const has = mirrored.core.has.bind(mirrored.core)
    let stalled: (() => void) | null = null
    const released = new Promise<void>((resolve) => { stalled = resolve })
    let stalls = 0
    mirrored.core.has = async (...args: any[]) => {
      if (stalls++ === 0) await released
      return await has(...args)
    }
    await blobs.core.append(body)
    await until(() => stalls > 0, { what: 'the block to arrive and a count of the old version to start' })

    await d.drive.putEntry('/second.bin', { blob: { ...at, blockLength: 1, byteLength: body.length } })
    await until(() => copy.drive.version === d.drive.version, { what: 'the new entry on the mirror' })
    const counted = await copy.refresh()
    expect(counted).toMatchObject({ version: d.drive.version, files: 2, bytes: first.length + body.length })
    await until(() => copy.snapshot().localBytes === first.length + body.length, { what: 'the new version counted whole' })

    // The stalled count ends with the 'progress' it reports.
    const ended = new Promise((resolve) => copy.once('progress', resolve))
    stalled!()
    await ended
    expect(copy.snapshot()).toMatchObject({ version: d.drive.version, bytes: first.length + body.length, localBytes: first.length + body.length })
  })
})
