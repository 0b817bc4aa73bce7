// A node under the memory limit the image's unit gives it (MemoryMax=256M, cgroup v2 on the Pi; the v1 memory
// controller here): an organiser publishes a 300 MB video through the admin page like a browser, and a phone
// then downloads it whole. Nothing may be OOM-killed and every answer must be complete. No timing is asserted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { createLan, type Lan } from '../helpers/netns.js'
import { MemoryCgroup } from '../helpers/mem-cgroup.js'
import { CLI, SHIPPED_ENV, SHIPPED_FLAGS } from '../helpers/shipped-node.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const LIMIT = 256 * 1024 * 1024
const UPLOAD_BYTES = 300_000_000
const PASSWORD = 'organiser under a limit'
const ROOT = path.resolve(path.dirname(CLI), '..')

let lan: Lan
let cg: MemoryCgroup
let node: ChildProcess
const logs: string[] = []

beforeAll(async () => {
  MemoryCgroup.sweep()
  lan = await createLan({ nodes: 1 })
  const dir = await tempDir('p2p-memlimit-')
  fs.writeFileSync(path.join(dir, 'pw'), PASSWORD + '\n')
  cg = new MemoryCgroup(LIMIT)
  cg.create()
  // As the unit starts it: the #! line's flags and environment, inside the limited group.
  node = cg.spawnIn(lan.nodes[0].ns, process.execPath, [...SHIPPED_FLAGS, CLI, 'start', '--data', path.join(dir, 'data'), '--port', '8080',
    '--name', 'pi', '--no-internet', '--admin-password-file', path.join(dir, 'pw')], { env: { ...process.env, ...SHIPPED_ENV } })
  node.stdout!.on('data', (d) => logs.push(String(d)))
  node.stderr!.on('data', (d) => logs.push(String(d)))
  await until(() => logs.join('').includes(' ready in '), { timeout: 60_000, what: `the node to start:\n${logs.join('')}` })
})

afterAll(async () => {
  try { process.kill(-node.pid!, 'SIGKILL') } catch { /* already gone */ }
  cg?.destroy()
  await lan?.destroy()
  await removeTempDirs()
})

describe('a node limited to 256 MiB', () => {
  let key = ''

  it('takes a 300 MB upload through the admin page without being OOM-killed', async () => {
    const r = await lan.nodes[0].exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/upload-client.ts'),
      'http://127.0.0.1:8080', PASSWORD, String(UPLOAD_BYTES), 'Under a limit'], { timeout: 170_000 })
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
    expect(line, r.stderr).toBeTruthy()
    const res = JSON.parse(line!)
    key = res.key
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).files).toEqual([{ path: '/video.mp4', bytes: UPLOAD_BYTES }])
    expect(cg.oomKills()).toBe(0)
    expect(node.exitCode).toBeNull()
    expect(node.signalCode).toBeNull()
  })

  it('then serves the whole file to a phone, still without an OOM kill', async () => {
    const r = await lan.nodes[0].exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:8080/d/${key}/video.mp4`], { timeout: 170_000 })
    expect(r.stdout).toBe(`200 ${UPLOAD_BYTES}`)
    expect(cg.oomKills()).toBe(0)
    expect(node.exitCode).toBeNull()
    expect(node.signalCode).toBeNull()
  })
})
