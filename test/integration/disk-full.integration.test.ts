// The free space on the card is a cap like the others: a mirror whose data folder is on a small real file
// system refuses what cannot fit before writing it, keeps serving what it holds, resumes by itself when space is
// freed, and starts (and serves) on a card that something else filled to the last byte.
// A 128 MiB tmpfs: the reserve is at least 32 MiB, the ballast 24 MiB and an empty store about 14 MB, so about
// 60 MB are left to mirror into.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../helpers/media-folder.js'
import { canMount, mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

const MB = 1024 * 1024
let lan: Lan
let disk: SmallDisk | null = null
let publisher: NodeProcess
let mirror: NodeProcess
let small: MediaFolder, medium: MediaFolder, huge: MediaFolder

beforeAll(async () => {
  if (!canMount()) return
  lan = await createLan({ nodes: 2 })
  disk = await mountSmallDisk('128m')
  ;[small, medium, huge] = await Promise.all([
    makeMediaFolder({ small: 4, smallBytes: MB, name: 'small' }),
    makeMediaFolder({ small: 30, smallBytes: MB, name: 'medium' }),
    makeMediaFolder({ small: 0, big: 177 * MB, name: 'huge' })
  ])
  // Something else already uses 40 MB of the card: "medium" (30 MB) does not fit beside it and the reserve.
  disk.fill('other-files', 40 * MB)
  publisher = await startNode(lan.nodes[0], { name: 'publisher', share: [small.dir, medium.dir, huge.dir] })
  // The publisher offers complete drives with their real sizes (as in the field report: a finished 177 MB drive).
  await until(async () => (await publisher.status()).drives.every((d: any) => d.importing === null && d.files > 0), { timeout: 120_000, what: 'the publisher to finish importing' })
  mirror = await startNode(lan.nodes[1], { name: 'mirror', data: path.join(disk.dir, 'data') })
})

afterAll(async () => {
  await lan?.destroy()
  disk?.unmount()
  await removeTempDirs()
})

const offered = async (title: string) => (await mirror.status()).available.find((a: any) => a.title === title)

/** Waits for a condition on the mirror's status; on timeout, says what the status and the log were. */
async function statusUntil<T> (what: string, fn: (st: any) => T, timeout = 60_000): Promise<NonNullable<T>> {
  let last: unknown
  try {
    return await until(async () => fn(last = await mirror.status()), { timeout, every: 200, what })
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}\n${mirror.logs.slice(-30).join('\n')}`)
  }
}

function complete (title: string) {
  return statusUntil(`${title} complete on the mirror`, (st) => {
    const d = driveByTitle(st, title)
    return d && d.files > 0 && d.localBytes === d.bytes && d
  })
}

async function served (title: string, folder: MediaFolder) {
  const d = driveByTitle(await mirror.status(), title)
  const got = await mirror.fetchFiles(d.key, [...folder.files.keys()])
  for (const [p, hash] of folder.files) expect(got[p], p).toMatchObject({ status: 200, sha256: hash })
}

describe.skipIf(!canMount())('a mirror on a small card', () => {
  it('mirrors what fits and refuses, before writing anything, what the card cannot hold (no-space)', async () => {
    await complete('small')
    const s = await statusUntil('medium and huge refused for space', (st) => {
      const reasons = ['medium', 'huge'].map(t => st.available.find((a: any) => a.title === t)?.reason)
      return reasons.every(r => r === 'no-space') && st
    })
    expect(driveByTitle(s, 'medium')).toBeUndefined()
    expect(driveByTitle(s, 'huge')).toBeUndefined()
    expect(s.disk).toMatchObject({ full: false, reserve: 32 * MB })
    // Refused before writing: the card holds "small" and the store, not a byte of the 177 MB drive.
    expect(disk!.free()).toBeGreaterThan(s.disk.reserve)
    expect(s.evictions).toEqual([])
    await served('small', small)
  })

  it('resumes by itself when space is freed, with no cool-down', async () => {
    fs.rmSync(path.join(disk!.dir, 'other-files'))
    await complete('medium')
    await served('medium', medium)
    const s = await mirror.status()
    expect(s.available.find((a: any) => a.title === 'huge')?.reason).toBe('no-space')
    expect(s.evictions).toEqual([])
  })

  it('starts on a card filled to the last byte, serves what it holds, says "disk full", and resumes when space comes back', async () => {
    expect(await mirror.stop()).toBe(0)
    disk!.fill('filler')
    expect(disk!.free()).toBeLessThan(MB)
    try {
      await mirror.restart()
    } catch (err) {
      // The last lines (the reason it exited) may still be in the pipe: wait for it to close.
      if (mirror.proc.stdout && !mirror.proc.stdout.readableEnded) await new Promise(resolve => mirror.proc.once('close', resolve))
      throw new Error(`${(err as Error).message}\n${mirror.logs.slice(-5).join('\n')}`)
    }
    const s = await mirror.status()
    expect(s.disk.full).toBe(true)
    expect(s.drives.map((d: any) => d.title).sort()).toEqual(['medium', 'small'])
    await served('small', small)
    await served('medium', medium)
    await until(() => mirror.logs.some(l => /\[mirror\] warn: disk full/.test(l)), { what: 'disk full in the log' })
    expect((await offered('huge'))?.reason ?? 'no-space').toBe('no-space')

    fs.rmSync(path.join(disk!.dir, 'filler'))
    await until(async () => !(await mirror.status()).disk.full, { what: 'disk no longer full' })
    await until(() => mirror.logs.some(l => /\[mirror\] disk space is back/.test(l)), { timeout: 20_000, what: 'space is back in the log' })
    expect(mirror.proc.exitCode).toBeNull()
  })
})
