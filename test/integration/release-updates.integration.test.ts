// Updates that travel the mesh: a release made by `p2p-portal release` on a maintainer's data folder is served
// by node A (`start --data DIR`) and found by nodes given its key, over real mDNS and replication between
// namespaces; a release under another key is never reported; a bundle on a "USB stick" folder is found too.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/p2p-portal.js')
// Discovery ≈ 0.7 s, handshake ≈ 20 ms, and ≈ 1.3 MB of release files over a bridge (ARCHITECTURE/DESIGN
// figures): a few seconds, with room for two busy cores.
const AVAILABLE_WITHIN_MS = 15_000

let lan: Lan
let root: string
let releaseKey: string
let otherKey: string
let a: NodeProcess, b: NodeProcess, c: NodeProcess, d: NodeProcess
const timings: Record<string, number> = {}

async function release (keyFile: string, data: string, version: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [CLI, 'release', '--key-file', keyFile, '--data', data, '--version', version, '--notes', `test ${version}`])
  expect(stderr).toMatch(new RegExp(`${version.replace(/\./g, '\\.')} published`))
  return stdout.trim()
}

beforeAll(async () => {
  root = await tempDir('p2p-release-')
  releaseKey = await release(path.join(root, 'release.key'), path.join(root, 'a'), '9.0.0')
  // Another maintainer's release drive, with a higher version: never the configured one.
  otherKey = await release(path.join(root, 'other.key'), path.join(root, 'c'), '9.9.0')
  const stick = path.join(root, 'stick')
  await fs.mkdir(stick)
  await fs.copyFile(path.join(root, 'a', 'p2p-portal-release-9.0.0.tar'), path.join(stick, 'p2p-portal-release-9.0.0.tar'))
  await fs.copyFile(path.join(root, 'c', 'p2p-portal-release-9.9.0.tar'), path.join(stick, 'p2p-portal-release-9.9.0.tar'))
  await fs.mkdir(path.join(root, 'empty'))

  lan = await createLan({ nodes: 4 })
  ;[b, c, d] = await Promise.all([
    startNode(lan.nodes[1], { name: 'follower-b', args: ['--release-key', releaseKey, '--release-import', path.join(root, 'empty')] }),
    startNode(lan.nodes[2], { name: 'other-c', data: path.join(root, 'c'), args: ['--release-key', otherKey] }),
    startNode(lan.nodes[3], { name: 'usb-d', args: ['--release-key', releaseKey, '--release-import', stick] })
  ])
})

afterAll(async () => {
  await lan?.destroy()
  await removeTempDirs()
  if (Object.keys(timings).length) console.log('release timings (ms):', JSON.stringify(timings))
})

describe('updates over the LAN', () => {
  it('the release command prints only the release key, and keeps the secret in a 0600 key file', async () => {
    expect(releaseKey).toMatch(/^[a-z0-9]{52}$/)
    expect((await fs.stat(path.join(root, 'release.key'))).mode & 0o777).toBe(0o600)
    expect(await fs.readFile(path.join(root, 'release.key'), 'utf8')).toContain(releaseKey)
  })

  it('a node finds a release on a USB stick folder, and ignores the bundle signed by another key', async () => {
    const s = await until(async () => { const st = await d.status(); return st.update.state === 'ready' && st }, { timeout: 20_000, what: 'd to find the bundle' })
    expect(s.update).toMatchObject({ current: '0.1.0', available: '9.0.0', state: 'ready', lastResult: { source: 'usb' } })
    expect(d.logs.join('\n')).toMatch(/p2p-portal-release-9\.9\.0\.tar ignored: .*not the configured release key/)
  })

  it('before A joins, B reports no update, though C serves a release drive with a higher version', async () => {
    await until(async () => (await b.status()).peers.length === 2, { timeout: 15_000, what: 'b to connect to c and d' })
    const s = await b.status()
    expect(s.update).toMatchObject({ current: '0.1.0', available: null, state: 'none' })
    expect(s.drives.map((x: any) => x.key)).not.toContain(otherKey)
  })

  it(`B reports update 9.0.0 ready within ${AVAILABLE_WITHIN_MS / 1000} s of A connecting, from A's release drive`, async () => {
    a = await startNode(lan.nodes[0], { name: 'publisher-a', data: path.join(root, 'a') })
    const aKey = (await a.status()).node.key
    const connected = await until(async () => (await b.status()).peers.some((p: any) => p.key === aKey) && Date.now(), { timeout: 15_000, every: 50, what: 'b to connect to a' })
    const s = await until(async () => { const st = await b.status(); return st.update.state === 'ready' && st }, { timeout: AVAILABLE_WITHIN_MS, every: 100, what: 'b to report the update' })
    timings.connectedToReady = Date.now() - connected
    expect(s.update).toMatchObject({ current: '0.1.0', available: '9.0.0', state: 'ready', lastResult: { source: 'drive', version: '9.0.0' } })
    expect(b.logs.join('\n')).toMatch(/\[update\] update 9\.0\.0 available \(release drive\): this node only reports it/)
  })

  it('the release drive is listed honestly in drives[] but outside the disk cap and off the visitor pages', async () => {
    const s = await b.status()
    const r = s.drives.find((x: any) => x.key === releaseKey)
    expect(r).toMatchObject({ release: true, pinned: true, complete: true })
    expect(r.bytes).toBeGreaterThan(0)
    expect(s.disk.used).toBe(0)
    expect(s.available.map((x: any) => x.key)).not.toContain(releaseKey)
    const home = await b.get('/')
    expect(home.status).toBe(200)
    expect(home.body).not.toContain('p2p-portal releases')
    // C only ever knows its own release drive: A's is not offered in catalogues.
    expect((await c.status()).drives.map((x: any) => x.key)).toEqual([otherKey])
  })

  it('the release signed by another key is never reported by B', async () => {
    const s = await b.status()
    expect(s.update.available).toBe('9.0.0')
    expect(JSON.stringify(s)).not.toContain(otherKey)
  })
})
