// A drive's figures (files, bytes) follow its latest version: a change made while a count runs is counted too.
import { describe, it, expect, afterAll } from 'vitest'
import { Library } from '../../services/storage/library.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

let library: Library | null = null
afterAll(async () => { await library?.close(); await removeTempDirs() })

describe('drive figures', () => {
  it('count every file of a drive written quickly, not the version a running count started on', async () => {
    library = new Library({ dataDir: await tempDir('p2p-figures-') })
    await library.open()
    const d = await library.createOwnDrive({ title: 'Many', description: '' })
    let lastCounted = -1
    d.on('counted', (f) => { lastCounted = f.files })
    // Each put appends: the first starts a count, and the rest arrive while it runs.
    for (let i = 0; i < 501; i++) await d.drive.put(`/f-${String(i).padStart(4, '0')}.txt`, Buffer.from(`file ${i}`))
    // Nothing else asks for a recount (no publisher, no status request): the drive must catch up by itself.
    await until(() => lastCounted === 501, { timeout: 8_000, what: `figures for 501 files (last counted ${lastCounted})` })
    expect(d.snapshot()).toMatchObject({ files: 501, bytes: [...Array(501).keys()].reduce((n, i) => n + `file ${i}`.length, 0), version: d.drive.version })
  })
})
