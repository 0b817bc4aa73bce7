import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { UpdaterServer } from '../../services/update/updater-server.js'
import { UpdaterClient } from '../../services/update/updater-client.js'
import { parseUpdaterRequest } from '../../services/update/parse-updater-request.js'
import { releaseKeyOf } from '../../services/update/release-signature.js'
import { indexTar } from '../../services/update/tar-file.js'
import { UpdateError, type UpdateErrorCode } from '../../services/update/update-error.js'
import type { Clock, ServiceManager } from '../../services/update/service-manager.js'
import { isPortalError, type PortalError } from '../../services/errors.js'
import { setLogLevel } from '../../services/log.js'
import { nodeInstallerFs, type InstallerFs } from '../../services/update/installer-fs.js'
import { tempDir, removeTempDirs, until } from '../helpers/temp-dir.js'
import { appTree, seedRelease, signedBundle, treeVersion, type Tree } from './update-fixtures.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const pair = (n: number) => seedKeyPair(Buffer.alloc(32, n))
const RELEASE_PAIR = pair(1)
const RELEASE_KEY = encodeKey(releaseKeyOf(RELEASE_PAIR.publicKey))
const trees: Record<string, Tree> = {}
const tree = (v: string): Tree => (trees[v] ??= appTree(v))

class FakeClock implements Clock {
  t = 1_800_000_000_000
  now = (): number => this.t
  sleep = async (ms: number): Promise<void> => { this.t += ms }
}

/** systemd as the installer sees it; `gate` holds every start until the test opens it. */
class FakeServices implements ServiceManager {
  started: string[] = []
  failing = new Set<string>()
  running: string | null = null
  gate: Promise<void> = Promise.resolve()
  constructor (readonly root: string) {}
  async restart (): Promise<void> {
    this.running = path.basename(await fs.readlink(path.join(this.root, 'current')))
    this.started.push(this.running)
  }

  async waitReady (): Promise<boolean> {
    await this.gate
    return !this.failing.has(this.running ?? '')
  }

  async isActive (): Promise<boolean> { return true }
}

let root: string
let spool: string
let services: FakeServices
const servers: UpdaterServer[] = []

async function startServer (installerFs?: InstallerFs): Promise<{ server: UpdaterServer, client: UpdaterClient }> {
  const server = new UpdaterServer({
    installer: { root, services, clock: new FakeClock(), probationMs: 120_000, ...(installerFs ? { fs: installerFs } : {}) },
    releaseKey: RELEASE_KEY,
    spool,
    path: path.join(root, `updater-${servers.length}.sock`)
  })
  servers.push(server)
  await server.open()
  await server.installer.recover()
  return { server, client: new UpdaterClient({ path: path.join(root, `updater-${servers.length - 1}.sock`) }) }
}

async function refused (p: Promise<unknown>, code: UpdateErrorCode | 'BAD_REQUEST'): Promise<Error> {
  const err = await p.then(() => null, (e: Error) => e)
  expect(err, `expected ${code}`).not.toBeNull()
  expect((err as UpdateError).code).toBe(code)
  return err!
}

const current = async (): Promise<string | null> => treeVersion(path.join(root, 'current'), trees)

beforeEach(async () => {
  root = await tempDir('updater-root-')
  spool = await tempDir('updater-spool-')
  await seedRelease(root, '1.0.0', tree('1.0.0'))
  await fs.symlink('releases/1.0.0', path.join(root, 'current'))
  services = new FakeServices(root)
})
afterEach(async () => {
  for (const s of servers.splice(0)) { await s.close(); await s.running }
  await removeTempDirs()
})

describe('the updater request parser', () => {
  it('accepts the five requests, and install with or without a version', () => {
    expect(parseUpdaterRequest('{"op":"status"}')).toEqual({ op: 'status' })
    expect(parseUpdaterRequest('{"op":"offer","path":"/var/lib/p2p-portal/updates/p2p-portal-release-1.2.0.tar"}'))
      .toEqual({ op: 'offer', path: '/var/lib/p2p-portal/updates/p2p-portal-release-1.2.0.tar' })
    expect(parseUpdaterRequest('{"op":"install"}')).toEqual({ op: 'install' })
    expect(parseUpdaterRequest('{"op":"install","version":"1.2.0-rc.1"}')).toEqual({ op: 'install', version: '1.2.0-rc.1' })
    expect(parseUpdaterRequest('{"op":"go-back"}')).toEqual({ op: 'go-back' })
    expect(parseUpdaterRequest('{"op":"forget"}')).toEqual({ op: 'forget' })
  })

  it.each([
    ['not JSON', 'status'],
    ['an array', '[]'],
    ['an unknown op', '{"op":"reboot"}'],
    ['an unknown field', '{"op":"status","verbose":true}'],
    ['a field of another op', '{"op":"install","path":"/x/p2p-portal-release-1.0.0.tar"}'],
    ['a relative path', '{"op":"offer","path":"updates/p2p-portal-release-1.2.0.tar"}'],
    ['a path with ..', '{"op":"offer","path":"/data/updates/../../etc/p2p-portal-release-1.2.0.tar"}'],
    ['a file that is not a bundle', '{"op":"offer","path":"/etc/shadow"}'],
    ['a bundle name without a version', '{"op":"offer","path":"/data/p2p-portal-release-latest.tar"}'],
    ['a path that is not a string', '{"op":"offer","path":7}'],
    ['a version that is not one', '{"op":"install","version":"../1"}']
  ])('refuses %s with BAD_REQUEST, which the admin page words as "the helper did not understand"', (_what, line) => {
    let err: unknown
    try { parseUpdaterRequest(line) } catch (e) { err = e }
    expect(isPortalError(err, 'BAD_REQUEST')).toBe(true)
    expect((err as PortalError).details).toEqual({ reason: 'updaterBadRequest' })
  })
})

describe('p2p-portal-updater', () => {
  it('verifies an offered bundle, installs it on request, restarts the node on it and keeps it after its probation', async () => {
    const { server, client } = await startServer()
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    const offered = await client.offer(bundle)
    expect(offered.offered).toMatchObject({ version: '1.1.0', notes: 'Fixes in 1.1.0', held: false })
    expect(offered.offered!.size).toBeGreaterThan(300_000)
    expect(offered.current).toBe('1.0.0')

    expect(await client.install('1.1.0')).toBe('1.1.0')
    expect(await server.running).toEqual({ outcome: 'installed', version: '1.1.0', from: '1.0.0' })
    expect(services.started).toEqual(['1.1.0'])
    expect(await current()).toBe('1.1.0')
    const after = await client.status()
    expect(after).toMatchObject({ current: '1.1.0', previous: '1.0.0', offered: null, step: null })
    expect(after.history.at(-1)).toMatchObject({ event: 'installed', version: '1.1.0', from: '1.0.0' })
  })

  it('refuses a tampered bundle, one signed by another key and a downgrade, says why, records it, and installs nothing', async () => {
    const { client } = await startServer()
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    const big = (await indexTar(bundle, { maxEntries: 100 })).find(e => e.path === 'app/node_modules/some-dep/big.bin')!
    const bytes = await fs.readFile(bundle)
    bytes[big.offset + 5000] ^= 0xff
    await fs.writeFile(bundle, bytes)
    const tampered = await refused(client.offer(bundle), 'RELEASE_TAMPERED')
    expect(tampered.message).toMatch(/node_modules\/some-dep\/big\.bin has different content/)

    await fs.rm(bundle)
    const otherKey = await refused(client.offer(await signedBundle(spool, '1.1.0', tree('1.1.0'), pair(7))), 'RELEASE_WRONG_KEY')
    expect(otherKey.message).toMatch(/not the configured release key/)

    await fs.rm(path.join(root, 'releases/1.0.0'), { recursive: true })
    await seedRelease(root, '2.0.0', tree('2.0.0'))
    await fs.rm(path.join(root, 'current'))
    await fs.symlink('releases/2.0.0', path.join(root, 'current'))
    const older = await refused(client.offer(await signedBundle(spool, '1.5.0', tree('1.5.0'), RELEASE_PAIR)), 'RELEASE_DOWNGRADE')
    expect(older.message).toMatch(/older than the running 2\.0\.0/)

    const s = await client.status()
    expect(s.offered).toBeNull()
    expect(s.history.filter(h => h.event === 'refused').map(h => [h.version, h.code])).toEqual([
      ['1.1.0', 'RELEASE_TAMPERED'], ['1.1.0', 'RELEASE_WRONG_KEY'], ['1.5.0', 'RELEASE_DOWNGRADE']
    ])
    expect(services.started).toEqual([])
    await refused(client.install(), 'NOTHING_OFFERED')
  })

  it('checks the bundle again at install time: one changed after it was offered is refused before anything is switched', async () => {
    const { server, client } = await startServer()
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    await client.offer(bundle)
    const bytes = await fs.readFile(bundle)
    const pkg = (await indexTar(bundle, { maxEntries: 100 })).find(e => e.path === 'app/package.json')!
    bytes[pkg.offset + 2] ^= 0x01
    await fs.writeFile(bundle, bytes)
    // Its signature and sizes still match: the changed byte is found as the installer hashes what it stages.
    expect(await client.install()).toBe('1.1.0')
    expect(await server.running).toMatchObject({ outcome: 'refused', code: 'RELEASE_TAMPERED', reason: expect.stringMatching(/package\.json has different content/) })
    expect(await current()).toBe('1.0.0')
    expect(services.started).toEqual([])
    expect(await fs.readdir(path.join(root, 'releases'))).toEqual(['1.0.0'])
    expect((await client.status()).history.at(-1)).toMatchObject({ event: 'refused', version: '1.1.0', code: 'RELEASE_TAMPERED' })
    // A bundle whose manifest no longer matches its signature is refused in the reply itself.
    await client.offer(await signedBundle(spool, '1.2.0', tree('1.2.0'), RELEASE_PAIR))
    const bundle2 = path.join(spool, 'p2p-portal-release-1.2.0.tar')
    const manifest = (await indexTar(bundle2, { maxEntries: 100 })).find(e => e.path === 'manifest.json')!
    const bytes2 = await fs.readFile(bundle2)
    bytes2.write('9', bytes2.indexOf('Fixes', manifest.offset))
    await fs.writeFile(bundle2, bytes2)
    await refused(client.install(), 'RELEASE_BAD_SIGNATURE')
  })

  it('hashes an offered bundle once: the same file offered again during its check or after it gets that check\'s answer, a changed one is checked again', async () => {
    const { client } = await startServer()
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    // The node's status polls once offered the bundle again while the helper hashed it: each repeat started the
    // same hashing beside the first. The time an offer was verified tells one check from several.
    const [a, b, c] = await Promise.all([client.offer(bundle), client.offer(bundle), client.offer(bundle)])
    expect(a.offered).toMatchObject({ version: '1.1.0' })
    expect([b.offered?.at, c.offered?.at]).toEqual([a.offered!.at, a.offered!.at])
    await new Promise(resolve => setTimeout(resolve, 5))
    expect((await client.offer(bundle)).offered?.at).toBe(a.offered!.at)

    // Changed in place (same size, same mtime set back): checked again, and refused.
    const before = await fs.stat(bundle)
    const bytes = await fs.readFile(bundle)
    const big = (await indexTar(bundle, { maxEntries: 100 })).find(e => e.path === 'app/node_modules/some-dep/big.bin')!
    bytes[big.offset + 5000] ^= 0xff
    await fs.writeFile(bundle, bytes)
    await fs.utimes(bundle, before.atime, before.mtime)
    await refused(client.offer(bundle), 'RELEASE_TAMPERED')
  })

  it('takes offers only from the spool folder, and never through a link', async () => {
    const { client } = await startServer()
    const elsewhere = await tempDir('updater-elsewhere-')
    const bundle = await signedBundle(elsewhere, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    const outside = await refused(client.offer(bundle), 'BAD_REQUEST')
    expect(outside.message).toMatch(/spool folder/)
    expect((outside as PortalError).details.reason).toBe('updaterBadRequest')
    const link = path.join(spool, path.basename(bundle))
    await fs.symlink(bundle, link)
    expect((await refused(client.offer(link), 'BAD_REQUEST')).message).toMatch(/not a regular file/)
  })

  it('refuses a second install or a go-back while one install is under way, and reports its step', async () => {
    const { server, client } = await startServer()
    let open!: () => void
    services.gate = new Promise<void>((resolve) => { open = resolve })
    await client.offer(await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR))
    expect(await client.install()).toBe('1.1.0')
    const busy = await refused(client.install(), 'UPDATE_BUSY')
    expect(busy.message).toMatch(/An install of 1\.1\.0 is under way since .*: wait for it to finish\./)
    await refused(client.goBack(), 'UPDATE_BUSY')
    const s = await client.status()
    expect(s.step).toMatchObject({ action: 'install', version: '1.1.0' })
    expect(['staging', 'probation']).toContain(s.step!.phase)
    open()
    expect((await server.running)?.outcome).toBe('installed')
    expect((await client.status()).step).toBeNull()
  })

  it('says an install is over (step null) only once it has settled: the newest history entry is its outcome and the offer is gone', async () => {
    // The tidying after a passed probation (old trees pruned) waits on `tidied`: the window a busy machine stretches.
    let tidied: Promise<void> | null = null
    let tidy!: () => void
    const { server, client } = await startServer({ ...nodeInstallerFs, readdir: async (dir) => { await tidied; return await nodeInstallerFs.readdir(dir) } })
    let started!: () => void
    services.gate = new Promise<void>((resolve) => { started = resolve })
    await client.offer(await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR))
    expect(await client.install()).toBe('1.1.0')
    await until(async () => (await client.status()).step?.phase === 'probation', { what: 'the probation' })
    tidied = new Promise<void>((resolve) => { tidy = resolve })
    started()
    const tidying = await until(async () => { const s = await client.status(); return s.history.at(-1)?.event === 'installed' ? s : null }, { what: 'the outcome in the history' })
    expect(tidying.step).toMatchObject({ action: 'install', version: '1.1.0', phase: 'probation' })
    tidy()
    const settled = await until(async () => { const s = await client.status(); return s.step === null ? s : null }, { every: 1, what: 'step null' })
    expect(settled).toMatchObject({ current: '1.1.0', previous: '1.0.0', offered: null })
    expect(settled.history.at(-1)).toMatchObject({ event: 'installed', version: '1.1.0' })
    expect((await server.running)?.outcome).toBe('installed')
  })

  it('goes back to the previous version with a restart and a probation, and holds the newer one from the quiet window', async () => {
    const { server, client } = await startServer()
    await refused(client.goBack(), 'NO_PREVIOUS_VERSION')
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    await client.offer(bundle)
    await client.install()
    await server.running
    expect(await client.goBack()).toBe('1.0.0')
    expect(await server.running).toEqual({ outcome: 'went-back', version: '1.0.0', from: '1.1.0' })
    expect(services.started).toEqual(['1.1.0', '1.0.0'])
    expect(await current()).toBe('1.0.0')
    const s = await client.status()
    expect(s).toMatchObject({ current: '1.0.0', previous: '1.1.0' })
    expect(s.history.at(-1)).toMatchObject({ event: 'went-back', version: '1.0.0', from: '1.1.0' })
    // Offered again (the node still has it): shown as held, and "Install now" still installs it.
    expect((await client.offer(bundle)).offered).toMatchObject({ version: '1.1.0', held: true })
    await client.install()
    expect((await server.running)?.outcome).toBe('installed')
    expect((await client.status()).offered).toBeNull()
  })

  it('rolls back a version that fails its probation, marks it bad and refuses its next offer', async () => {
    const { server, client } = await startServer()
    services.failing.add('1.1.0')
    const bundle = await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR)
    await client.offer(bundle)
    await client.install()
    expect(await server.running).toMatchObject({ outcome: 'rolled-back', version: '1.1.0', from: '1.0.0' })
    expect(await current()).toBe('1.0.0')
    const s = await client.status()
    expect(s.bad['1.1.0']).toMatch(/did not report ready/)
    expect(s.history.at(-1)).toMatchObject({ event: 'rolled-back', version: '1.1.0' })
    expect((await refused(client.offer(bundle), 'RELEASE_MARKED_BAD')).message).toMatch(/failed before/)
  })

  it('keeps the offer across a restart of the helper', async () => {
    const first = await startServer()
    await first.client.offer(await signedBundle(spool, '1.1.0', tree('1.1.0'), RELEASE_PAIR))
    await first.server.close()
    const second = await startServer()
    expect((await second.client.status()).offered).toMatchObject({ version: '1.1.0' })
    await second.client.install()
    expect((await second.server.running)?.outcome).toBe('installed')
  })

  it('answers a line longer than its limit once with BAD_REQUEST and hangs up', async () => {
    const { client } = await startServer()
    const socket = net.connect(client.path)
    socket.write('{"op":"status","x":"' + 'a'.repeat(10_000))
    let text = ''
    for await (const chunk of socket) text += String(chunk)
    expect(JSON.parse(text)).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.stringMatching(/longer than 4096 bytes/) })
  })
})
