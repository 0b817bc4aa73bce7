// A mirror short of its latest version that hears nothing for a while from a connected peer asks again
// (library-drive.ts, MIRROR_STALL_MS): a request the replicator lost must not leave a drive half-mirrored for good.
import { describe, it, expect } from 'vitest'
import crypto from 'node:crypto'
import { Library } from '../../services/storage/library.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { setLogLevel } from '../../services/log.js'
import { replicateStores } from '../helpers/replicate-stores.js'

setLogLevel('silent')
const KiB = 1024
const closers = closeAfterEach()

async function library (opts: { mirrorStallMs?: number } = {}): Promise<Library> {
  const l = new Library({ dataDir: await tempDir('stall-'), ...opts })
  await l.open()
  closers.push(() => l.close())
  return l
}

describe('a mirror that stops receiving', () => {
  it('asks its peer again once no file block has come for a while, and completes the version', async () => {
    const publisher = await library()
    const mirror = await library({ mirrorStallMs: 400 })
    const own = await publisher.createOwnDrive({ title: 'Affiches — ملصقات', description: '' })
    const first = crypto.randomBytes(600 * KiB)
    await own.drive.put('/première.bin', first)
    const copy = await mirror.addMirror(own.id)
    closers.push(replicateStores(publisher, mirror))
    await until(async () => (await copy.refresh()).localBytes === first.length, { what: 'the first version on the mirror' })

    // What a lost request looks like from the mirror: its block requests gone, and the next ones it makes lost too,
    // until the stall check asks again.
    const blobs = (await copy.fileBlobs()).core
    const download = blobs.download
    let lost = 0
    blobs.download = function (range: unknown) {
      if (lost++ < 2) return { destroy () { /* never sent */ }, done: () => new Promise(() => { /* never answered */ }) }
      return download.call(this, range)
    }
    for (const d of (copy as any).blockDownloads) d.destroy()
    ;(copy as any).blockDownloads = []

    const second = crypto.randomBytes(900 * KiB)
    await own.drive.put('/deuxième — الثاني.bin', second)
    await until(() => copy.snapshot().version === own.version && copy.snapshot().known, { what: 'the new version counted on the mirror' })
    expect(copy.snapshot().localBytes).toBeLessThan(first.length + second.length)
    await until(() => copy.snapshot().localBytes === first.length + second.length, { timeout: 30_000, what: 'the mirror to ask again and hold the new version' })
    expect(lost).toBeGreaterThanOrEqual(3)
    expect(await copy.drive.get('/deuxième — الثاني.bin', { wait: false })).toEqual(second)
  }, 60_000)
})
