// The ballast: a file kept on the card so that a full card can still give the store room to open.
import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect, afterAll } from 'vitest'
import { Ballast, BALLAST_BYTES } from '../../services/storage/disk-space.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'

afterAll(removeTempDirs)

describe('the ballast', () => {
  // First in the file: garbage an earlier spec left could be collected during this one and hide what it holds.
  it('is written without holding its size in memory (a first boot kept 24 MiB of it until V8 collected)', async () => {
    const ballast = new Ballast(path.join(await tempDir('p2p-ballast-'), 'ballast'))
    const before = process.memoryUsage().arrayBuffers
    await ballast.restore()
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(BALLAST_BYTES / 8)
  })

  it('takes its full size in real blocks on the card, not a sparse file', async () => {
    const ballast = new Ballast(path.join(await tempDir('p2p-ballast-'), 'ballast'))
    await ballast.restore()
    const st = await fs.stat(ballast.file)
    expect(st.size).toBe(BALLAST_BYTES)
    expect(st.blocks * 512).toBeGreaterThanOrEqual(BALLAST_BYTES)
    expect(await ballast.held()).toBe(true)
  })

  it('is given back once, and written again only while it is missing', async () => {
    const ballast = new Ballast(path.join(await tempDir('p2p-ballast-'), 'ballast'))
    await ballast.restore()
    const written = (await fs.stat(ballast.file)).mtimeMs
    await ballast.restore()
    expect((await fs.stat(ballast.file)).mtimeMs).toBe(written)
    expect(await ballast.release()).toBe(true)
    expect(await ballast.release()).toBe(false)
    await ballast.restore()
    expect(await ballast.held()).toBe(true)
  })
})
