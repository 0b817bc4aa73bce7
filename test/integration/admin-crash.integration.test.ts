// Power can go at any moment on a Pi: a node killed (SIGKILL) in the middle of an admin upload comes back with
// no partial file listed, an intact store (p2p-portal audit), and takes the same upload again.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Readable } from 'node:stream'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AdminClient } from '../helpers/admin-client.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'
import { freePort } from '../helpers/free-port.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CLI = path.join(ROOT, 'bin/p2p-portal.js')
const MB = 1024 * 1024
const PASSWORD = 'power cut password'
let data: string
let pwFile: string
let port: number
let proc: ChildProcess | null = null


async function start (): Promise<AdminClient> {
  // Loopback only, and mDNS on lo: nothing reaches the machine's real network.
  proc = spawn(process.execPath, [CLI, 'start', '--data', data, '--port', String(port), '--host', '127.0.0.1', '--no-internet',
    '--mdns-interfaces', 'lo', '--admin-password-file', pwFile, '--log-level', 'warn'], { stdio: 'ignore' })
  await until(async () => (await fetch(`http://127.0.0.1:${port}/api/status`)).ok, { timeout: 20_000, what: 'the node to start' })
  const c = new AdminClient(`http://127.0.0.1:${port}`)
  expect((await c.login(PASSWORD)).status).toBe(303)
  return c
}

beforeAll(async () => {
  data = await tempDir('p2p-crash-data-')
  pwFile = path.join(await tempDir('p2p-pw-'), 'pw')
  fs.writeFileSync(pwFile, PASSWORD)
  port = await freePort()
})

afterAll(async () => {
  proc?.kill('SIGKILL')
  await removeTempDirs()
})

describe('a node killed during an upload', () => {
  it('lists no partial file after restart, audits clean, and takes the upload again', async () => {
    let c = await start()
    const key = (await c.post('/admin/drives', { title: 'Power cut' }, { accept: 'application/json' })).json().key
    let sent = 0
    const chunk = Buffer.alloc(MB, 1)
    const source = new Readable({
      read () {
        sent += MB
        // Half-way through 200 MB, the power goes.
        if (sent === 100 * MB) proc!.kill('SIGKILL')
        this.push(sent > 200 * MB ? null : chunk)
      }
    })
    await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'film.mkv', source }]).catch(() => null)
    await new Promise(resolve => proc!.exitCode !== null || proc!.signalCode !== null ? resolve(null) : proc!.once('exit', resolve))
    expect(proc!.signalCode).toBe('SIGKILL')

    const audit = spawnSync(process.execPath, [CLI, 'audit', '--data', data], { encoding: 'utf8', timeout: 60_000 })
    expect(audit.status, audit.stdout + audit.stderr).toBe(0)

    c = await start()
    const page = await c.get(`/admin/drives/${key}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('film.mkv')
    expect((await fetch(`http://127.0.0.1:${port}/d/${key}/film.mkv`)).status).toBe(404)
    const again = await c.upload(`/admin/drives/${key}/upload`, [['_csrf', c.csrf]], [{ name: 'film.mkv', source: Buffer.alloc(3 * MB, 2) }])
    expect(again.status, again.body).toBe(200)
    const res = await fetch(`http://127.0.0.1:${port}/d/${key}/film.mkv`)
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.alloc(3 * MB, 2))).toBe(true)
    proc!.kill('SIGTERM')
  })
})
