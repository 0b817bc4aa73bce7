// The SD card can lose power at any moment: a mirror killed mid-transfer, again and again, must reopen with
// undamaged storage and pick the transfer up where it stopped.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/p2p-portal.js')
const MB = 1024 * 1024
let lan: Lan
let media: MediaFolder
let publisher: NodeProcess
let mirror: NodeProcess
let key: string

beforeAll(async () => {
  lan = await createLan({ nodes: 2 })
  // 100 Mbit/s, so 64 MB takes seconds and every kill lands mid-transfer.
  await lan.shape(1, 100)
  media = await makeMediaFolder({ small: 20, big: 64 * MB, name: 'survey' })
  publisher = await startNode(lan.nodes[0], { name: 'publisher', share: [media.dir] })
  key = driveByTitle(await publisher.status(), 'survey').key
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

describe('a mirror killed with SIGKILL mid-transfer', () => {
  it('10 kills in a row: storage audits clean each time and the transfer resumes to byte-identical files', async () => {
    mirror = await startNode(lan.nodes[1], { name: 'mirror' })
    const seen: number[] = []
    for (let i = 0; i < 10; i++) {
      const before = seen.at(-1) ?? 0
      // Wait for progress beyond the last kill, then pull the plug at once.
      const d = await until(async () => {
        const drive = driveByTitle(await mirror.status(), 'survey')
        return drive && drive.localBytes > before && drive
      }, { timeout: 30_000, every: 20, what: `progress after kill ${i}` })
      await new Promise(r => setTimeout(r, 50 + Math.floor(Math.random() * 150)))
      await mirror.kill()
      seen.push(d.localBytes)
      const audit = await run(process.execPath, [CLI, 'audit', '--data', mirror.data])
      expect(JSON.parse(audit.stdout), `audit after kill ${i}`).toMatchObject({ corrupt: 0, droppedBlocks: 0, droppedTreeNodes: 0 })
      await mirror.restart()
      // It resumes from what reached the disk before the kill, not from zero (a few blocks in flight may be lost).
      const resumed = await until(async () => driveByTitle(await mirror.status(), 'survey')?.localBytes, { timeout: 5000, every: 20, what: 'local bytes after restart' })
      expect(resumed, `resumed after kill ${i}`).toBeGreaterThanOrEqual(d.localBytes - 8 * MB)
    }
    const done = await until(async () => {
      const drive = driveByTitle(await mirror.status(), 'survey')
      return drive?.complete && drive
    }, { timeout: 60_000, what: 'transfer to finish' })
    expect(done.bytes).toBe(64 * MB + 20 * 10 * 1024)
    const paths = [...media.files.keys()]
    const got = await mirror.fetchFiles(key, paths)
    for (const p of paths) expect(got[p], p).toMatchObject({ status: 200, sha256: media.files.get(p) })
    expect(await mirror.stop()).toBe(0)
    const audit = await run(process.execPath, [CLI, 'audit', '--data', mirror.data])
    expect(JSON.parse(audit.stdout)).toMatchObject({ corrupt: 0, droppedBlocks: 0 })
  })
})
