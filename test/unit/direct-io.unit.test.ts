import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { directIoWorks } from '../../services/storage/direct-io.js'

describe('directIoWorks: whether RocksDB may write past the page cache in a data folder', () => {
  const made: string[] = []
  afterEach(() => { for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true }) })

  it('answers for a writable folder and leaves no probe file behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-dio-'))
    made.push(dir)
    expect(typeof await directIoWorks(dir)).toBe('boolean')
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('is true on ext4, which takes O_DIRECT (skipped elsewhere)', async (ctx) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-dio-'))
    made.push(dir)
    if (fsType(dir) !== 'ext4') ctx.skip()
    expect(await directIoWorks(dir)).toBe(true)
  })

  it('is false for a folder it cannot create a file in, so the store opens with buffered writes', async () => {
    expect(await directIoWorks(path.join(os.tmpdir(), 'p2p-dio-missing', 'nested'))).toBe(false)
  })
})

/** The file system type of the mount holding `dir`, from /proc/self/mounts (longest matching mount point). */
function fsType (dir: string): string | null {
  let best: { point: string, type: string } | null = null
  const real = fs.realpathSync(dir)
  for (const line of fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, point, type] = line.split(' ')
    if (!point || !(real === point || real.startsWith(point.endsWith('/') ? point : point + '/'))) continue
    if (!best || point.length > best.point.length) best = { point, type }
  }
  return best?.type ?? null
}
