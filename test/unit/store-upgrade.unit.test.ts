// A Pi's library must survive a software update that brings newer Hypercore: a data folder written by hypercore
// 11.37.1 with hypercore-storage 3.3.1 (test/fixtures/library-hc11.37, made by its make.ts) is opened by this
// checkout's versions, read, written, reclaimed and served to a fresh mirror.
import { describe, it, expect } from 'vitest'
import crypto from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PassThrough } from 'node:stream'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { auditStore } from '../../services/storage/audit-store.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel('silent')
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/library-hc11.37')
const closers = closeAfterEach()

type Expected = Record<string, { title: string, files: Record<string, string> }>

/** The fixture's data folder, copied where this run may write to it. */
async function oldDataFolder (): Promise<{ dataDir: string, expected: Expected }> {
  const dataDir = await tempDir('old-library-')
  await fs.mkdir(path.join(dataDir, 'store', 'db'), { recursive: true })
  await promisify(execFile)('tar', ['xzf', path.join(fixture, 'store-db.tgz'), '-C', path.join(dataDir, 'store', 'db')])
  await fs.copyFile(path.join(fixture, 'library.json'), path.join(dataDir, 'library.json'))
  return { dataDir, expected: JSON.parse(await fs.readFile(path.join(fixture, 'expected.json'), 'utf8')) }
}

async function open (dataDir: string): Promise<Library> {
  const l = new Library({ dataDir, compactDelayMs: 10, compactGapMs: 0 })
  await l.open()
  closers.push(() => l.close())
  return l
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

function streamOf (bytes: Buffer): PassThrough {
  const s = new PassThrough()
  s.end(bytes)
  return s
}

describe('a library written by hypercore 11.37.1 / hypercore-storage 3.3.1', () => {
  it('opens with every drive, title and file byte-identical, and its audit is clean', async () => {
    const { dataDir, expected } = await oldDataFolder()
    const node = await open(dataDir)
    expect(node.list().map(d => d.id).sort()).toEqual(Object.keys(expected).sort())
    for (const [key, drive] of Object.entries(expected)) {
      const d = node.get(key)!
      expect((await d.refresh()).files).toBe(Object.keys(drive.files).length)
      expect(d.info.title).toBe(drive.title)
      for (const [name, hash] of Object.entries(drive.files)) {
        const bytes = await d.drive.get(name, { wait: false }) as Buffer | null
        expect(bytes && sha(bytes), `${key.slice(0, 8)}${name}`).toBe(hash)
      }
    }
    await node.close()
    expect(await auditStore(dataDir)).toMatchObject({ cores: expect.any(Number), corrupt: 0, droppedBlocks: 0, droppedTreeNodes: 0, droppedBits: 0 })
  })

  it('takes new versions of its own drive, gives back the superseded blocks, and a fresh mirror fetches it whole', async () => {
    const { dataDir, expected } = await oldDataFolder()
    const node = await open(dataDir)
    const own = node.list().find(d => d.own)!
    // hypercore 11.37's clear() could not safely start at an odd block after a kept one: the fixture's reclaim left
    // one such block behind. The first reclaim after the update gives it back.
    expect((await own.reclaim())?.blocks).toBe(1)
    const writer = new DriveWriter(node, node.dataDir)
    const film = crypto.randomBytes(1500 * 1024)
    await writer.writeStream(own, '/film.bin', streamOf(film))
    await own.reclaim()
    const blobs = (await own.fileBlobs()).core
    let needed = 0
    for await (const entry of own.drive.list('/', { recursive: true })) needed += entry.value.blob?.blockLength ?? 0
    expect(await blobs.count(0, blobs.length)).toBe(needed)
    const mirrorLib = await open(await tempDir('new-mirror-'))
    const copy = await mirrorLib.addMirror(own.id)
    const s1 = node.store.replicate(true)
    const s2 = mirrorLib.store.replicate(false)
    s1.pipe(s2).pipe(s1)
    closers.push(async () => { s1.destroy(); s2.destroy() })
    const files = Object.keys(expected[own.id].files).length
    await until(async () => { const f = await copy.refresh(); return f.known && f.files === files && f.localBytes === f.bytes && f.bytes > 0 }, { timeout: 30_000, what: 'the mirror to hold the drive' })
    expect(sha(await copy.drive.get('/film.bin', { wait: false }) as Buffer)).toBe(sha(film))
    expect(sha(await copy.drive.get('/notes.txt', { wait: false }) as Buffer)).toBe(expected[own.id].files['/notes.txt'])
  })
})
