// Drives a visitor browses without this node holding them: fetched block by block from the node that holds them
// (piped replication streams, in memory), kept in a bounded cache that gives back the least recently used drive
// first, never counted as held, and handed to the library, blocks and all, when placement chooses the drive.
import { describe, it, expect, afterEach, afterAll } from 'vitest'
import crypto from 'node:crypto'
import { Library } from '../../services/storage/library.js'
import { BrowseCache, defaultBrowseCacheBytes } from '../../services/storage/browse-cache.js'
import { libraryCatalogue } from '../../services/replication/library-catalogue.js'
import { isPortalError } from '../../services/errors.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const MiB = 1024 * 1024
let closers: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of closers.reverse()) await c(); closers = [] })
afterAll(async () => { await removeTempDirs() })

/** B publishes `n` drives of one 1 MiB file each; A can reach B. */
async function holderAndVisitor (n: number, capBytes: number, opts: { connect?: boolean } = {}) {
  const b = new Library({ dataDir: await tempDir('p2p-browse-b-') })
  const a = new Library({ dataDir: await tempDir('p2p-browse-a-') })
  await b.open()
  await a.open()
  // No grace for recent use: these specs say which drive goes, not when.
  const cache = new BrowseCache({ library: a, capBytes: () => capBytes, waitMs: 2_000, recentMs: 0 })
  await cache.open()
  closers.push(() => b.close(), () => a.close(), () => cache.close())
  const keys: string[] = []
  const files: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const d = await b.createOwnDrive({ title: `drive-${i}`, description: '' })
    const file = crypto.randomBytes(MiB)
    await d.drive.put('/film.bin', file)
    await d.refresh()
    keys.push(d.id)
    files.push(file)
  }
  const streams: any[] = []
  const connect = () => {
    const s1 = a.store.replicate(true)
    const s2 = b.store.replicate(false)
    s1.pipe(s2).pipe(s1)
    streams.push(s1, s2)
  }
  if (opts.connect !== false) connect()
  const disconnect = () => { for (const s of streams.splice(0)) s.destroy() }
  closers.push(async () => disconnect())
  return { a, b, cache, keys, files, connect, disconnect }
}

async function read (cache: BrowseCache, key: string): Promise<Buffer> {
  const d = await cache.browse(key)
  return await d.drive.get('/film.bin', { timeout: 5_000 }) as Buffer
}

describe('the browse cache', () => {
  it('defaults to 5 % of the disk cap, at most 512 MiB', () => {
    expect(defaultBrowseCacheBytes(1024 * MiB)).toBe(Math.floor(1024 * MiB * 0.05))
    expect(defaultBrowseCacheBytes(64 * 1024 * MiB)).toBe(512 * MiB)
  })

  it('opens a drive only another node holds, fetches the file read, and counts what arrived; the library does not hold it', async () => {
    const { a, cache, keys, files } = await holderAndVisitor(1, 64 * MiB)
    const d = await cache.browse(keys[0])
    expect(d.sparse).toBe(true)
    // The file tree came first; no file block yet.
    expect(cache.bytes).toBeLessThan(64 * 1024)
    expect((await d.drive.get('/film.bin', { timeout: 5_000 }))!.equals(files[0])).toBe(true)
    await until(() => cache.bytes >= MiB, { timeout: 5_000, what: 'the fetched blocks counted' })
    expect(cache.bytes).toBeLessThan(MiB + 64 * 1024)
    expect(a.has(keys[0])).toBe(false)
    expect(a.list()).toEqual([])
    expect(libraryCatalogue(a).drives).toEqual([])
  })

  it('over its bound, deletes the blocks of the least recently used drive first and keeps the one used last', async () => {
    const { a, cache, keys } = await holderAndVisitor(3, 2.5 * MiB)
    await read(cache, keys[0])
    await read(cache, keys[1])
    const blobsOf1 = (await (await cache.browse(keys[1])).fileBlobs()).core.key
    // Drive 0 used again: drive 1 is now the least recently used.
    await cache.browse(keys[0])
    await read(cache, keys[2])
    await until(() => !cache.has(keys[1]), { timeout: 5_000, what: 'drive 1 evicted' })
    expect(cache.has(keys[0])).toBe(true)
    expect(cache.has(keys[2])).toBe(true)
    expect(cache.bytes).toBeLessThanOrEqual(2.5 * MiB)
    const core = a.store.get({ key: blobsOf1 })
    await core.ready()
    expect(await core.has(0)).toBe(false)
    await core.close()
  })

  it('does not evict a drive while a response streams it, and evicts it when the stream ends if it alone is over the bound', async () => {
    const { cache, keys } = await holderAndVisitor(1, MiB / 2)
    const d = await cache.browse(keys[0])
    const done = d.beginRead()
    await d.drive.get('/film.bin', { timeout: 5_000 })
    await until(() => cache.bytes >= MiB, { timeout: 5_000, what: 'the fetched blocks counted' })
    expect(cache.has(keys[0])).toBe(true)
    done()
    await until(() => !cache.has(keys[0]), { timeout: 5_000, what: 'the drive evicted once its stream ended' })
    expect(cache.bytes).toBe(0)
  })

  it('hands a drive the library takes over with its blocks: it becomes a mirror and leaves the cache', async () => {
    const { a, cache, keys, files, disconnect } = await holderAndVisitor(1, 64 * MiB)
    await read(cache, keys[0])
    // No peer from here on: whatever the mirror has, it got from the browsed session's blocks.
    disconnect()
    const m = await a.addMirror(keys[0])
    await until(() => !cache.has(keys[0]), { timeout: 5_000, what: 'the cache to let the drive go' })
    expect(cache.bytes).toBe(0)
    expect((await m.drive.get('/film.bin', { wait: false }))!.equals(files[0])).toBe(true)
  })

  it('answers NO_HOLDER within its wait when no node sends the drive, and keeps nothing', async () => {
    const { cache, keys } = await holderAndVisitor(1, 64 * MiB, { connect: false })
    const err = await cache.browse(keys[0]).catch((e: unknown) => e)
    expect(isPortalError(err, 'NO_HOLDER')).toBe(true)
    expect(cache.has(keys[0])).toBe(false)
    expect(cache.knows(keys[0])).toBe(true)
  })

  it('deletes at start what a previous run browsed', async () => {
    const { a, cache, keys } = await holderAndVisitor(1, 64 * MiB)
    await read(cache, keys[0])
    const blobs = (await (await cache.browse(keys[0])).fileBlobs()).core.key
    await cache.close()
    const again = new BrowseCache({ library: a, capBytes: () => 64 * MiB })
    await again.open()
    closers.push(() => again.close())
    const core = a.store.get({ key: blobs })
    await core.ready()
    expect(await core.has(0)).toBe(false)
    await core.close()
  })
})
