import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { ReleaseInstaller, type InstallResult } from '../../services/update/release-installer.js'
import { nodeInstallerFs, type InstallerFs } from '../../services/update/installer-fs.js'
import type { Clock, ServiceManager } from '../../services/update/service-manager.js'
import type { ReleaseSource } from '../../services/update/verify-release.js'
import { verifyRelease } from '../../services/update/verify-release.js'
import { parseState, type UpdateState } from '../../services/update/update-state.js'
import { setLogLevel } from '../../services/log.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'
import { appTree, manifestFor, publish, realDrive, seedRelease, treeVersion, type Tree } from './update-fixtures.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const UNIT = 'p2p-portal.service'
const trees: Record<string, Tree> = {}
const tree = (v: string): Tree => (trees[v] ??= appTree(v))

/** Time moves only when the installer sleeps: a two-minute probation takes no real time. */
class FakeClock implements Clock {
  t = 1_800_000_000_000
  now = (): number => this.t
  sleep = async (ms: number): Promise<void> => { this.t += ms }
}

interface Behaviour { ready?: boolean, stopsAfterMs?: number, crashesAfterMs?: number }

/** systemd as far as the installer can tell: whichever release `current` points at when restarted is what runs. */
class FakeServices implements ServiceManager {
  running: string | null = null
  startedAt = 0
  started: string[] = []
  constructor (readonly root: string, readonly clock: FakeClock, readonly behaviour: Record<string, Behaviour> = {}) {}
  private get b (): Behaviour { return this.behaviour[this.running ?? ''] ?? {} }
  async restart (unit: string): Promise<void> {
    expect(unit).toBe(UNIT)
    this.running = path.basename(await fs.readlink(path.join(this.root, 'current')))
    this.startedAt = this.clock.now()
    this.started.push(this.running)
  }

  async waitReady (_unit: string, timeoutMs: number): Promise<boolean> {
    if (this.b.ready === false) { this.clock.t += timeoutMs; return false }
    return true
  }

  async isActive (): Promise<boolean> {
    return !(this.b.stopsAfterMs !== undefined && this.clock.now() - this.startedAt >= this.b.stopsAfterMs)
  }

  async restartCount (): Promise<number> {
    return this.b.crashesAfterMs !== undefined && this.clock.now() - this.startedAt >= this.b.crashesAfterMs ? 1 : 0
  }
}

function source (version: string, manifest = manifestFor(version, tree(version)), bytes: Tree = tree(version)): ReleaseSource {
  return { manifest, createReadStream: (p) => Readable.from([bytes.get(p)!.subarray(0, 777), bytes.get(p)!.subarray(777)]) }
}

let root: string
let clock: FakeClock

async function freshRoot (version = '1.0.0'): Promise<string> {
  const dir = await tempDir('update-root-')
  await seedRelease(dir, version, tree(version))
  await fs.symlink(`releases/${version}`, path.join(dir, 'current'))
  return dir
}

const current = async (dir = root): Promise<string | null> => treeVersion(path.join(dir, 'current'), trees)
const releases = async (dir = root): Promise<string[]> => (await fs.readdir(path.join(dir, 'releases'))).sort()
const state = async (dir = root): Promise<UpdateState> => parseState(await fs.readFile(path.join(dir, 'update-state.json'), 'utf8'))

beforeEach(async () => {
  root = await freshRoot()
  clock = new FakeClock()
})
afterEach(removeTempDirs)

function installer (services: ServiceManager, over: Partial<ConstructorParameters<typeof ReleaseInstaller>[0]> = {}): ReleaseInstaller {
  return new ReleaseInstaller({ root, services, clock, ...over })
}

describe('installing a release', () => {
  it('stages, switches current, restarts the node and keeps the new version after a two-minute probation', async () => {
    const services = new FakeServices(root, clock)
    const inst = installer(services)
    await inst.recover()
    const t0 = clock.now()
    const res = await inst.install(source('1.1.0'))
    expect(res).toEqual({ outcome: 'installed', version: '1.1.0', from: '1.0.0' })
    expect(clock.now() - t0).toBeGreaterThanOrEqual(120_000)
    expect(services.started).toEqual(['1.1.0'])
    expect(await fs.readlink(path.join(root, 'current'))).toBe('releases/1.1.0')
    expect(await current()).toBe('1.1.0')
    expect((await fs.stat(path.join(root, 'current/bin/p2p-portal.js'))).mode & 0o777).toBe(0o755)
    expect((await fs.stat(path.join(root, 'current/package.json'))).mode & 0o777).toBe(0o644)
    expect(await releases()).toEqual(['1.0.0', '1.1.0'])
    const s = await state()
    expect(s).toMatchObject({ current: '1.1.0', previous: '1.0.0', probation: null, bad: {} })
    expect(s.history.at(-1)).toMatchObject({ event: 'installed', version: '1.1.0', from: '1.0.0', at: new Date(clock.now()).toISOString() })
  })

  it('installs what verifyRelease accepted from a real Hyperdrive', async () => {
    const d = await realDrive(await tempDir('update-drive-'))
    try {
      await publish(d.drive, '1.1.0', tree('1.1.0'))
      const verified = await verifyRelease(d.drive, { releaseKey: d.drive.key, runningVersion: '1.0.0' })
      const inst = installer(new FakeServices(root, clock))
      await inst.recover()
      expect((await inst.install(verified)).outcome).toBe('installed')
      expect(await current()).toBe('1.1.0')
    } finally {
      await d.close()
    }
  })

  it('rolls back a version that never reports ready, marks it bad, and never tries it again', async () => {
    const services = new FakeServices(root, clock, { '1.1.0': { ready: false } })
    const inst = installer(services)
    await inst.recover()
    const res = await inst.install(source('1.1.0'))
    expect(res).toMatchObject({ outcome: 'rolled-back', version: '1.1.0', from: '1.0.0' })
    expect((res as any).reason).toMatch(/did not report ready within 180 s/)
    expect(services.started).toEqual(['1.1.0', '1.0.0'])
    expect(await current()).toBe('1.0.0')
    expect(await releases()).toEqual(['1.0.0'])
    const s = await state()
    expect(s.bad['1.1.0']).toMatch(/did not report ready/)
    expect(s).toMatchObject({ current: '1.0.0', probation: null })
    expect(s.history.at(-1)).toMatchObject({ event: 'rolled-back', version: '1.1.0', from: '1.0.0' })

    const again = await inst.install(source('1.1.0'))
    expect(again).toMatchObject({ outcome: 'refused', code: 'RELEASE_MARKED_BAD' })
    expect(services.started).toEqual(['1.1.0', '1.0.0'])
    expect((await state()).history.at(-1)).toMatchObject({ event: 'refused', version: '1.1.0', code: 'RELEASE_MARKED_BAD' })
  })

  it('rolls back a version that stops during its probation, and one that crashes and is restarted by systemd', async () => {
    const services = new FakeServices(root, clock, { '1.1.0': { stopsAfterMs: 61_000 }, '1.2.0': { crashesAfterMs: 100_000 } })
    const inst = installer(services)
    await inst.recover()
    const stopped = await inst.install(source('1.1.0'))
    expect(stopped).toMatchObject({ outcome: 'rolled-back' })
    expect((stopped as any).reason).toBe('1.1.0 stopped during its probation')
    const crashed = await inst.install(source('1.2.0'))
    expect((crashed as any).reason).toBe('1.2.0 crashed and was restarted during its probation')
    expect(await current()).toBe('1.0.0')
    expect(Object.keys((await state()).bad).sort()).toEqual(['1.1.0', '1.2.0'])
  })

  it('honours a shorter probation given as an option', async () => {
    const services = new FakeServices(root, clock, { '1.1.0': { stopsAfterMs: 61_000 } })
    const inst = installer(services, { probationMs: 60_000 })
    await inst.recover()
    expect((await inst.install(source('1.1.0'))).outcome).toBe('installed')
  })

  it('refuses an older or the same version, and bytes that do not match the manifest, without touching current', async () => {
    const services = new FakeServices(root, clock)
    const inst = installer(services)
    await inst.recover()
    expect(await inst.install(source('0.9.0'))).toMatchObject({ outcome: 'refused', code: 'RELEASE_DOWNGRADE' })
    expect(await inst.install(source('1.0.0'))).toMatchObject({ outcome: 'refused', code: 'RELEASE_DOWNGRADE' })
    const forged = new Map(tree('1.1.0'))
    forged.set('dist/services/cli.js', Buffer.from('evil'.padEnd(tree('1.1.0').get('dist/services/cli.js')!.length)))
    const tampered = await inst.install(source('1.1.0', manifestFor('1.1.0', tree('1.1.0')), forged))
    expect(tampered).toMatchObject({ outcome: 'refused', code: 'RELEASE_TAMPERED' })
    const short = new Map(tree('1.1.0'))
    short.set('node_modules/some-dep/big.bin', tree('1.1.0').get('node_modules/some-dep/big.bin')!.subarray(0, 5000))
    expect(await inst.install(source('1.1.0', manifestFor('1.1.0', tree('1.1.0')), short))).toMatchObject({ outcome: 'refused', code: 'RELEASE_TRUNCATED' })
    const traversal = { ...manifestFor('1.1.0', tree('1.1.0')) }
    traversal.files = [...traversal.files, { path: '../../evil', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', executable: false }]
    expect(await inst.install(source('1.1.0', traversal))).toMatchObject({ outcome: 'refused', code: 'RELEASE_BAD_MANIFEST' })
    expect(services.started).toEqual([])
    expect(await current()).toBe('1.0.0')
    expect(await releases()).toEqual(['1.0.0'])
    expect((await state()).history.map(h => h.event)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused'])
  })

  it('keeps at most two releases on disk, even while staging the next one', async () => {
    const most: number[] = []
    const counting: InstallerFs = {
      ...nodeInstallerFs,
      writeFile: async (file, data, opts) => { most.push((await fs.readdir(path.join(root, 'releases'))).length); return nodeInstallerFs.writeFile(file, data, opts) }
    }
    const inst = installer(new FakeServices(root, clock), { fs: counting })
    await inst.recover()
    for (const v of ['1.1.0', '1.2.0', '1.3.0']) expect((await inst.install(source(v))).outcome).toBe('installed')
    expect(await releases()).toEqual(['1.2.0', '1.3.0'])
    expect(Math.max(...most)).toBe(2)
    expect(await state()).toMatchObject({ current: '1.3.0', previous: '1.2.0' })
  })
})

/**
 * Loses power just before mutating step number `n` (file system and service manager steps alike): from then on
 * every step hangs forever, so no cleanup or catch in the installer runs after the cut, as on a real power cut.
 */
function powerCut (n: number): { fs: InstallerFs, wrap (s: ServiceManager): ServiceManager, cut: Promise<string> } {
  let left = n
  let signal!: (what: string) => void
  const cut = new Promise<string>(resolve => { signal = resolve })
  const step = async (what: string): Promise<void> => {
    if (--left === 0) signal(what)
    if (left <= 0) await new Promise(() => { /* the power is cut here: nothing after this step runs */ })
  }
  const mutating = ['mkdir', 'writeFile', 'syncDir', 'syncFs', 'rename', 'symlink', 'rm', 'writeFileAtomic'] as const
  const cutFs: InstallerFs = { ...nodeInstallerFs }
  for (const m of mutating) (cutFs as any)[m] = async (...args: any[]) => { await step(`${m} ${path.basename(String(args[0]))}`); return (nodeInstallerFs as any)[m](...args) }
  return {
    fs: cutFs,
    cut,
    wrap: (s) => ({
      restart: async (u) => { await step('restart'); return s.restart(u) },
      waitReady: async (u, t) => { await step('waitReady'); return s.waitReady(u, t) },
      isActive: async (u) => { await step('isActive'); return s.isActive(u) },
      restartCount: async (u) => s.restartCount!(u)
    })
  }
}

const CUT = Symbol('power cut')

describe('power cuts and recover()', () => {
  for (const kind of ['a good release', 'a release that never gets ready'] as const) {
    it(`a power cut at any step of installing ${kind} leaves current on a complete release, and recover() settles on a good one`, async () => {
      const behaviour: Record<string, Behaviour> = kind === 'a good release' ? {} : { '1.1.0': { ready: false } }
      let completed = false
      let rolledBackUnconfirmed = 0
      let steps = 0
      for (let n = 1; !completed; n++) {
        root = await freshRoot()
        await installer(new FakeServices(root, clock)).recover()
        const pc = powerCut(n)
        let cutWhile = ''
        const res = await Promise.race([
          installer(pc.wrap(new FakeServices(root, clock, behaviour)), { fs: pc.fs, probationMs: 20_000 }).install(source('1.1.0')),
          pc.cut.then((what): typeof CUT => { cutWhile = what; return CUT })
        ])
        if (res !== CUT) {
          completed = true
          steps = n - 1
          expect(res.outcome).toBe(kind === 'a good release' ? 'installed' : 'rolled-back')
        }
        // Bootable as the card is, before any recovery runs.
        const atCut = await current()
        expect(atCut, `after a cut at step ${n} (${cutWhile})`).not.toBeNull()
        const confirmed = (await state()).current === '1.1.0'

        const services = new FakeServices(root, clock)
        const r = await installer(services).recover()
        const expected = kind === 'a good release' && confirmed ? '1.1.0' : '1.0.0'
        expect(await current(), `recover after a cut at step ${n} (${cutWhile})`).toBe(expected)
        expect(r.current).toBe(expected)
        if (atCut === '1.1.0' && !confirmed) rolledBackUnconfirmed++
        expect((await releases()).filter(n => n.endsWith('.partial'))).toEqual([])
        expect((await releases()).length).toBeLessThanOrEqual(2)
        expect((await fs.readdir(root)).filter(f => f.includes('.tmp'))).toEqual([])
        const s = await state()
        expect(s.probation).toBeNull()
        expect(s.current).toBe(expected)

        if (expected === '1.0.0' && kind === 'a good release') {
          // One interruption is forgiven: the same release installs on the next try.
          expect((await installer(services).install(source('1.1.0'))).outcome).toBe('installed')
        }
      }
      expect(steps).toBeGreaterThan(20)
      expect(rolledBackUnconfirmed).toBeGreaterThan(0)
    })
  }

  it('rolls back a release whose probation a power cut interrupted, and marks it bad after the second time', async () => {
    await installer(new FakeServices(root, clock)).recover()
    for (let time = 1; time <= 2; time++) {
      let checks = 0
      let signal!: () => void
      const cut = new Promise<typeof CUT>(resolve => { signal = () => resolve(CUT) })
      const services = new FakeServices(root, clock)
      const dying: ServiceManager = {
        restart: (u) => services.restart(u),
        waitReady: (u, t) => services.waitReady(u, t),
        isActive: async () => { if (++checks === 3) { signal(); await new Promise(() => { /* power cut */ }) } return true }
      }
      expect(await Promise.race([installer(dying).install(source('1.1.0')), cut])).toBe(CUT)
      expect(await fs.readlink(path.join(root, 'current'))).toBe('releases/1.1.0')
      const r = await installer(new FakeServices(root, clock)).recover()
      expect(r).toMatchObject({ current: '1.0.0', switched: true })
      expect(await current()).toBe('1.0.0')
      const s = await state()
      expect(s.interrupted['1.1.0']).toBe(time)
      expect(Boolean(s.bad['1.1.0'])).toBe(time === 2)
      expect(s.history.filter(h => h.event === 'rolled-back').length).toBe(time)
    }
    expect(await installer(new FakeServices(root, clock)).install(source('1.1.0'))).toMatchObject({ outcome: 'refused', code: 'RELEASE_MARKED_BAD' })
  })

  it('points a dangling current at the last good version', async () => {
    const inst = installer(new FakeServices(root, clock))
    await inst.recover()
    await inst.install(source('1.1.0'))
    await fs.rm(path.join(root, 'releases/1.1.0'), { recursive: true })
    const r = await installer(new FakeServices(root, clock)).recover()
    expect(r).toMatchObject({ current: '1.0.0', switched: true })
    expect(await current()).toBe('1.0.0')
    expect(await state()).toMatchObject({ current: '1.0.0', previous: null })
  })

  it('points a missing current link at the last good version', async () => {
    const inst = installer(new FakeServices(root, clock))
    await inst.recover()
    await inst.install(source('1.1.0'))
    await fs.unlink(path.join(root, 'current'))
    expect((await installer(new FakeServices(root, clock)).recover()).current).toBe('1.1.0')
    expect(await current()).toBe('1.1.0')
  })

  it('on the first start of an image, adopts the shipped release as good and writes the state file', async () => {
    const r = await installer(new FakeServices(root, clock)).recover()
    expect(r).toEqual({ current: '1.0.0', switched: false, actions: [] })
    expect(await state()).toMatchObject({ format: 1, current: '1.0.0', previous: null, probation: null, bad: {}, history: [] })
  })

  it('removes leftover .partial folders and temporary links, and leaves a working current alone', async () => {
    await seedRelease(root, '1.1.0.partial', new Map([['package.json', Buffer.from('{')]]))
    await fs.symlink('releases/1.1.0.partial', path.join(root, 'current.123.tmp'))
    const r = await installer(new FakeServices(root, clock)).recover()
    expect(r.switched).toBe(false)
    expect(r.actions).toEqual(['removed unfinished 1.1.0.partial'])
    expect(await releases()).toEqual(['1.0.0'])
    expect(await fs.readdir(root)).toEqual(expect.not.arrayContaining(['current.123.tmp']))
  })

  it('refuses to install before recover() has settled an interrupted probation', async () => {
    const st = { format: 1, current: '1.0.0', previous: null, probation: { version: '1.1.0', previous: '1.0.0', since: '' }, bad: {}, interrupted: {}, history: [] }
    await fs.writeFile(path.join(root, 'update-state.json'), JSON.stringify(st))
    expect(await installer(new FakeServices(root, clock)).install(source('1.2.0'))).toMatchObject({ outcome: 'refused', code: 'RELEASE_NOT_READY' })
  })
})

describe('the systemctl adapter (with a fake systemctl runner)', () => {
  function fakeSystemctl (answers: Array<Record<string, string>>) {
    const calls: string[][] = []
    const run = async (args: string[]) => {
      calls.push(args)
      if (args[0] === 'is-active') return { code: 3, stdout: 'inactive\n' }
      if (args[0] === 'restart' || args[0] === 'daemon-reload') return { code: 0, stdout: '' }
      const a = answers.length > 1 ? answers.shift()! : answers[0]
      return { code: 0, stdout: Object.entries(a).map(([k, v]) => `${k}=${v}`).join('\n') + '\n' }
    }
    return { run, calls }
  }

  it('reads the unit files again, restarts without blocking and waits for a new invocation to be active, not the old run', async () => {
    const { Systemctl } = await import('../../services/update/systemctl.js')
    const sys = fakeSystemctl([{ InvocationID: 'old' }, { ActiveState: 'active', InvocationID: 'old' }, { ActiveState: 'activating', InvocationID: 'new' }, { ActiveState: 'active', InvocationID: 'new' }])
    const s = new Systemctl({ run: sys.run, clock, pollMs: 500 })
    await s.restart(UNIT)
    // The release's unit files are linked through `current`, which was just switched.
    expect(sys.calls[0]).toEqual(['daemon-reload'])
    expect(sys.calls[2]).toEqual(['restart', '--no-block', UNIT])
    const t0 = clock.now()
    expect(await s.waitReady(UNIT, 10_000)).toBe(true)
    expect(clock.now() - t0).toBe(1000)
    expect(await s.isActive(UNIT)).toBe(false)
  })

  it('gives up on a unit that fails or takes too long, and reads NRestarts', async () => {
    const { Systemctl } = await import('../../services/update/systemctl.js')
    const failed = new Systemctl({ run: fakeSystemctl([{ InvocationID: 'a' }, { ActiveState: 'failed', InvocationID: 'b' }]).run, clock })
    await failed.restart(UNIT)
    expect(await failed.waitReady(UNIT, 10_000)).toBe(false)
    const slow = new Systemctl({ run: fakeSystemctl([{ InvocationID: 'a' }, { ActiveState: 'activating', InvocationID: 'b', NRestarts: '4' }]).run, clock, pollMs: 1000 })
    await slow.restart(UNIT)
    const t0 = clock.now()
    expect(await slow.waitReady(UNIT, 5000)).toBe(false)
    expect(clock.now() - t0).toBe(5000)
    expect(await slow.restartCount(UNIT)).toBe(4)
  })

  it('gives up at the first exit of a new version that systemd restarts by itself (Restart=always never shows "failed")', async () => {
    const { Systemctl } = await import('../../services/update/systemctl.js')
    const crashing = new Systemctl({
      run: fakeSystemctl([{ InvocationID: 'a' }, { ActiveState: 'activating', SubState: 'start', InvocationID: 'b' }, { ActiveState: 'activating', SubState: 'auto-restart', InvocationID: 'b' }]).run,
      clock,
      pollMs: 1000
    })
    await crashing.restart(UNIT)
    const t0 = clock.now()
    expect(await crashing.waitReady(UNIT, 180_000)).toBe(false)
    expect(clock.now() - t0).toBe(1000)
  })
})
