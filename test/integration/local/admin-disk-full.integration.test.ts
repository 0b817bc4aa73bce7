// A full disk during an upload: the organiser gets DISK_FULL in plain words, no partial file is listed, and
// the node stops the upload before its storage engine runs out of space, so it keeps working.
// Runs on a small tmpfs (needs root to mount); skipped where mounting is not allowed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { Readable } from 'node:stream'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'

const MB = 1024 * 1024
let mountPoint = ''
let n: TestNode | null = null

function canMount (): boolean {
  return process.getuid?.() === 0
}

/** Unmounts small disks left by runs that were killed before their clean-up (the pid is in the name). */
function sweepStale (): void {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map(l => l.split(' ')[1]).filter(Boolean)
  for (const m of mounts) {
    const pid = Number(/\/p2p-small-disk-(\d+)-/.exec(m)?.[1])
    if (!pid || pid === process.pid) continue
    try { process.kill(pid, 0); continue } catch { /* that run is gone: its disk is stale */ }
    try { execFileSync('umount', ['-l', m]); fs.rmSync(m, { recursive: true, force: true }) } catch { /* another run swept it first */ }
  }
}

beforeAll(async () => {
  if (!canMount()) return
  sweepStale()
  mountPoint = await tempDir(`p2p-small-disk-${process.pid}-`)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=384m', 'tmpfs', mountPoint])
})

afterAll(async () => {
  await n?.close().catch(() => { /* a node on a full disk may fail to close; the unmount below still runs */ })
  if (mountPoint) execFileSync('umount', ['-l', mountPoint])
  await removeTempDirs()
})

describe.skipIf(!canMount())('an upload that fills the disk', () => {
  it('is answered with DISK_FULL (507) and leaves no file behind', async () => {
    n = await startAdminNode({ data: mountPoint })
    const c = new AdminClient(n.url)
    await c.login(PASSWORD)
    const key = (await c.post('/admin/drives', { title: 'Small disk' }, { accept: 'application/json' })).json().key
    // No Content-Length (chunked), so the early free-space check cannot catch it: the disk fills mid-stream.
    let left = 700 * MB
    const source = new Readable({ read () { const k = Math.min(left, MB); left -= k; this.push(k ? Buffer.alloc(k, 7) : null) } })
    const res = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'too-big.bin', source }], { headers: { 'accept-language': 'fr' } })
    expect(res.status, res.body).toBe(507)
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'DISK_FULL', reason: 'diskFullUpload', message: expect.stringMatching(/The disk is full: the upload was stopped/) })
    expect(JSON.parse(res.body).message).toBe('Le disque est plein : l’envoi a été arrêté et rien n’en a été gardé. Supprimez des fichiers ou baissez les limites, puis réessayez.')
    const d = n.node.library.get(key)!
    expect(await d.drive.entry('/too-big.bin')).toBeNull()
    const page = await c.get(`/admin/drives/${key}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('too-big.bin')
    // The upload stopped before the storage engine met ENOSPC: the node still writes (titles, renames).
    expect((await c.post(`/admin/drives/${key}/info`, { title: 'Small disk, still working' })).status).toBe(303)
    expect(n.node.library.get(key)!.info.title).toBe('Small disk, still working')
  }, 60_000)
})
