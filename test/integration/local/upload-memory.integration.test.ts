// A 300 MB upload through the admin page is streamed into the drive in 512 KiB blocks: the node's memory does not
// grow with the file. The node runs as it ships (the #! line's flags and environment) in a process of its own, so
// what is measured is the node's resident memory alone, read by the kernel (VmHWM), not the test's: measured inside
// the test process, the client's generated stream and the worker's own garbage counted too, and a loaded machine
// once pushed that figure over its bound. No timing is asserted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { AdminClient } from '../../helpers/admin-client.js'
import { generated } from '../../helpers/generated-bytes.js'
import { freePort } from '../../helpers/free-port.js'
import { CLI, SHIPPED_ENV, SHIPPED_FLAGS } from '../../helpers/shipped-node.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import { Library } from '../../../services/storage/library.js'
import { BLOCK_SIZE } from '../../../services/publish/folder-publisher.js'

const MB = 1024 * 1024
const PASSWORD = 'an organiser uploading a talk'
// What the node may hold above where it was before the upload, at any moment of it (the issue 13 budget is a
// peak of 150 MiB for the whole node; an idle node holds ~70).
const GROWTH = 64 * MB

let node: ChildProcess
let data: string
let base: string
const logs: string[] = []

beforeAll(async () => {
  const dir = await tempDir('p2p-upload-memory-')
  data = path.join(dir, 'data')
  fs.writeFileSync(path.join(dir, 'pw'), PASSWORD + '\n')
  const [port, contentPort, replicationPort] = [await freePort(), await freePort(), await freePort()]
  base = `http://127.0.0.1:${port}`
  node = spawn(process.execPath, [...SHIPPED_FLAGS, CLI, 'start', '--data', data, '--host', '127.0.0.1', '--port', String(port),
    '--content-port', String(contentPort), '--replication-port', String(replicationPort), '--no-internet', '--mdns-interfaces', 'lo',
    '--admin-password-file', path.join(dir, 'pw')], { env: { ...process.env, ...SHIPPED_ENV } })
  node.stdout!.on('data', (d) => logs.push(String(d)))
  node.stderr!.on('data', (d) => logs.push(String(d)))
  await until(() => /organiser's page/.test(logs.join('')) || node.exitCode !== null, { timeout: 60_000, what: 'the node to start' })
  expect(node.exitCode, logs.join('')).toBeNull()
})

afterAll(async () => {
  if (node && node.exitCode === null && node.signalCode === null) node.kill('SIGKILL')
  await removeTempDirs()
})

/** The node's resident memory now and its peak since the last reset, as the kernel counts them. */
function memory (): { rss: number, peak: number } {
  const status = fs.readFileSync(`/proc/${node.pid}/status`, 'utf8')
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
  return { rss: kib('VmRSS'), peak: kib('VmHWM') }
}

describe('uploading through the admin page, the node as shipped', () => {
  it('streams a 300 MB file into the drive in 512 KiB blocks: the node\'s memory does not grow with the file', async () => {
    const c = new AdminClient(base)
    expect((await c.login(PASSWORD)).status).toBe(303)
    const key: string = (await c.post('/admin/drives', { title: 'Festival', description: 'Talks' }, { accept: 'application/json' })).json().key
    await c.get(`/admin/drives/${key}`)
    // RocksDB's write buffers and the node's caches reach their plateau on a first upload; the measured one must
    // stay near it.
    const warm = generated(128 * MB)
    expect((await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'warm-up.bin', source: warm.stream }])).status).toBe(200)

    const size = 300 * MB + 12345
    const { stream, digest } = generated(size)
    fs.writeFileSync(`/proc/${node.pid}/clear_refs`, '5') // VmHWM from here on
    const before = memory()
    const res = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf], ['dir', '/video']], [{ name: 'talk.mp4', source: stream }])
    const after = memory()
    console.log(`upload of ${Math.round(size / MB)} MB: the node's RSS ${(before.rss / MB).toFixed(1)} MiB before, peak ${(after.peak / MB).toFixed(1)} MiB (+${((after.peak - before.rss) / MB).toFixed(1)}), ${(after.rss / MB).toFixed(1)} MiB after`)
    expect(res.status, res.body).toBe(200)
    expect(JSON.parse(res.body).files).toEqual([{ path: '/video/talk.mp4', bytes: size }])
    expect(after.peak - before.rss).toBeLessThan(GROWTH)

    // A phone downloads it byte for byte.
    const got = await fetch(`${base}/d/${key}/video/talk.mp4`)
    const hash = crypto.createHash('sha256')
    let bytes = 0
    for await (const chunk of got.body as any) { hash.update(chunk); bytes += chunk.length }
    expect({ status: got.status, bytes, sha256: hash.digest('hex') }).toEqual({ status: 200, bytes: size, sha256: await digest })

    // Stopped, its store holds the file as 512 KiB blocks.
    const exited = new Promise((resolve) => node.once('exit', resolve))
    node.kill('SIGTERM')
    await exited
    const library = new Library({ dataDir: data })
    await library.open()
    try {
      const entry = await library.get(key)!.drive.entry('/video/talk.mp4')
      expect(entry.value.blob.blockLength).toBe(Math.ceil(size / BLOCK_SIZE))
    } finally {
      await library.close()
    }
  }, 240_000)
})
