// The drive writer appends a file's blocks a few at a time (block-appender.ts): each append holds its blocks in
// memory three times over until RocksDB has them, so hyperblobs' batches of 16 × 512 KiB cost an uploading node
// ≈ 8 MiB of Buffers plus the native copies at its peak.
import { describe, it, expect, afterEach } from 'vitest'
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { APPEND_BLOCKS } from '../../services/publish/block-appender.js'
import { BLOCK_SIZE } from '../../services/publish/folder-publisher.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const open: Array<{ close (): Promise<void> }> = []

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
  await removeTempDirs()
})

async function ownDrive () {
  const library = new Library({ dataDir: await tempDir() })
  await library.open()
  open.push(library)
  const d = await library.createOwnDrive({ title: 'Uploads', description: '' })
  const writer = new DriveWriter(library, library.dataDir, { freeBytes: async () => null })
  const blobs = await d.drive.getBlobs()
  /** How many blocks each append added to the file-data core. */
  const appends: number[] = []
  let length = blobs.core.length
  blobs.core.on('append', () => { appends.push(blobs.core.length - length); length = blobs.core.length })
  return { d, writer, blobs, appends }
}

/** `bytes` of random data in pieces of the sizes a socket delivers (20-64 KiB). */
function body (bytes: number): { data: Buffer, source: () => Readable } {
  const data = crypto.randomBytes(bytes)
  const pieces: Buffer[] = []
  for (let at = 0; at < bytes;) {
    const n = Math.min(bytes - at, 20_000 + crypto.randomInt(45_000))
    pieces.push(data.subarray(at, at + n))
    at += n
  }
  return { data, source: () => Readable.from(pieces) }
}

describe('the drive writer appends an upload a few blocks at a time', () => {
  it(`appends at most ${APPEND_BLOCKS} blocks at once, and the file reads back byte-identical with its metadata`, async () => {
    const { d, writer, appends } = await ownDrive()
    const file = body(10 * BLOCK_SIZE + 12_345)
    const before = appends.length
    const bytes = await writer.writeStream(d, '/video.mp4', file.source(), { kind: 'video' }, { executable: true })
    expect(bytes).toBe(file.data.length)
    const sizes = appends.slice(before)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(APPEND_BLOCKS)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(11)
    const entry = await d.drive.entry('/video.mp4')
    expect(entry.value.executable).toBe(true)
    expect(entry.value.metadata).toMatchObject({ kind: 'video' })
    expect(entry.value.blob).toMatchObject({ blockLength: 11, byteLength: file.data.length })
    expect((await d.drive.get('/video.mp4'))?.equals(file.data)).toBe(true)
  })

  it('keeps a file\'s blocks together while the drive writes a small file of its own', async () => {
    const { d, writer } = await ownDrive()
    const file = body(6 * BLOCK_SIZE)
    let release!: () => void
    const held = new Promise<void>(resolve => { release = resolve })
    // The upload stops half way, and the drive's own put() (as its title is written) comes in meanwhile.
    const source = Readable.from((async function * () {
      const all = file.source()
      let n = 0
      for await (const piece of all) {
        yield piece
        n += piece.length
        if (n >= 3 * BLOCK_SIZE && n - piece.length < 3 * BLOCK_SIZE) await held
      }
    })())
    const upload = writer.writeStream(d, '/big.bin', source)
    await new Promise(resolve => setTimeout(resolve, 50))
    const small = d.drive.put('/note.txt', Buffer.from('written while the upload ran'))
    release()
    await Promise.all([upload, small])
    const big = (await d.drive.entry('/big.bin')).value.blob
    const note = (await d.drive.entry('/note.txt')).value.blob
    expect(big.blockLength).toBe(6)
    expect(note.blockOffset >= big.blockOffset + big.blockLength || note.blockOffset + note.blockLength <= big.blockOffset).toBe(true)
    expect((await d.drive.get('/big.bin'))?.equals(file.data)).toBe(true)
    expect(String(await d.drive.get('/note.txt'))).toBe('written while the upload ran')
  })

  it('writes an empty file as an entry with no blocks', async () => {
    const { d, writer } = await ownDrive()
    expect(await writer.writeStream(d, '/empty.txt', Readable.from([]))).toBe(0)
    const entry = await d.drive.entry('/empty.txt')
    expect(entry.value.blob).toMatchObject({ blockLength: 0, byteLength: 0 })
    expect((await d.drive.get('/empty.txt'))?.length).toBe(0)
  })
})
