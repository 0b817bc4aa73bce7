import { describe, it, expect, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import { EventEmitter } from 'node:events'
import { checkPolicy, inWindow, DEFAULT_UPDATE_POLICY, type UpdatePolicy } from '../../services/update/update-window.js'
import { dueInstall, UpdateScheduler } from '../../services/update/update-scheduler.js'
import { withHelper } from '../../services/update/update-control.js'
import type { UpdaterStatus } from '../../services/update/parse-updater-request.js'
import type { UpdateStatus } from '../../services/update/release-watcher.js'
import { NodeSettings } from '../../services/config/node-settings.js'
import { buildConfig } from '../../services/config/config.js'
import { isPortalError } from '../../services/errors.js'
import { setLogLevel } from '../../services/log.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'

setLogLevel('silent')
afterEach(removeTempDirs)

/** Local wall-clock time today, as the Pi's clock would read it. */
const at = (hhmm: string): Date => { const [h, m] = hhmm.split(':').map(Number); const d = new Date(2026, 11, 1); d.setHours(h, m, 0, 0); return d }

function helper (over: Partial<UpdaterStatus> = {}): UpdaterStatus {
  return { current: '1.0.0', previous: null, offered: { version: '1.1.0', minVersion: '0.1.0', notes: '', size: 10, at: '', held: false }, step: null, bad: {}, history: [], ...over }
}

describe('the quiet window', () => {
  it('holds from its start up to, not including, its end (default 03:00–05:00)', () => {
    expect(DEFAULT_UPDATE_POLICY).toEqual({ mode: 'auto', start: '03:00', end: '05:00' })
    expect(['02:59', '03:00', '04:59', '05:00'].map(t => inWindow(at(t), DEFAULT_UPDATE_POLICY))).toEqual([false, true, true, false])
  })

  it('runs past midnight when it ends before it starts', () => {
    const w = { start: '23:30', end: '01:00' }
    expect(['23:29', '23:30', '00:00', '00:59', '01:00', '12:00'].map(t => inWindow(at(t), w))).toEqual([false, true, true, true, false, false])
  })

  it.each([
    [{ mode: 'sometimes', start: '03:00', end: '05:00' }, 'mode'],
    [{ mode: 'auto', start: '3am', end: '05:00' }, 'start'],
    [{ mode: 'auto', start: '03:00', end: '24:00' }, 'end'],
    [{ mode: 'auto', start: '03:00', end: '03:00' }, 'end']
  ])('refuses the policy %j, naming the field', (p, field) => {
    let err: unknown
    try { checkPolicy(p) } catch (e) { err = e }
    expect(isPortalError(err, 'BAD_REQUEST')).toBe(true)
    expect((err as { details: { field: string } }).details.field).toBe(field)
  })
})

describe('the update scheduler', () => {
  const auto: UpdatePolicy = DEFAULT_UPDATE_POLICY
  it('installs the offered release in the window when the policy is automatic, and never otherwise', () => {
    expect(dueInstall(at('03:10'), auto, helper())).toBe('1.1.0')
    expect(dueInstall(at('12:00'), auto, helper())).toBeNull()
    expect(dueInstall(at('03:10'), { ...auto, mode: 'manual' }, helper())).toBeNull()
    expect(dueInstall(at('03:10'), auto, helper({ offered: null }))).toBeNull()
    expect(dueInstall(at('03:10'), auto, null)).toBeNull()
  })

  it('leaves a version the organiser went back from, and one already being installed, alone', () => {
    expect(dueInstall(at('03:10'), auto, helper({ offered: { ...helper().offered!, held: true } }))).toBeNull()
    expect(dueInstall(at('03:10'), auto, helper({ step: { action: 'install', version: '1.1.0', phase: 'staging', since: '' } }))).toBeNull()
  })

  it('asks the helper once per version as the fake clock enters the window', async () => {
    let now = at('02:58')
    const asked: string[] = []
    const control = Object.assign(new EventEmitter(), { helper: helper(), install: async (v: string) => { asked.push(v); return v } })
    const scheduler = new UpdateScheduler({ control, settings: { updatePolicy: auto }, now: () => now, tickMs: 3_600_000 })
    await scheduler.open()
    expect(asked).toEqual([])
    now = at('03:00')
    expect(scheduler.tick()).toBe('1.1.0')
    control.emit('helper')
    expect(scheduler.tick()).toBeNull()
    expect(asked).toEqual(['1.1.0'])
    await scheduler.close()
  })
})

describe('the organiser\'s update policy in the node settings', () => {
  it('is saved beside the caps, survives a restart, and leaves caps never set on the admin page to the configuration', async () => {
    const data = await tempDir('settings-')
    const config = buildConfig([['data', data]])
    const a = new NodeSettings(config)
    await a.open()
    expect(a.updatePolicy).toEqual(DEFAULT_UPDATE_POLICY)
    await a.setUpdatePolicy({ mode: 'manual', start: '22:00', end: '23:00' })
    expect(JSON.parse(await fs.readFile(path.join(data, 'settings.json'), 'utf8'))).toEqual({ updates: { mode: 'manual', start: '22:00', end: '23:00' } })
    await a.setCaps({ maxDriveBytes: 1e9, maxTotalBytes: 2e9 })
    const b = new NodeSettings(config)
    await b.open()
    expect(b.updatePolicy).toEqual({ mode: 'manual', start: '22:00', end: '23:00' })
    expect(b.maxTotalBytes).toBe(2e9)
  })
})

describe('update in /api/status with the helper', () => {
  const ready: UpdateStatus = { current: '1.0.0', available: '1.1.0', state: 'ready', lastResult: { at: 1, version: '1.1.0', outcome: 'ready', reason: 'release 1.1.0 is complete and verified' } }

  it('says installing, then probation, while the helper works', () => {
    expect(withHelper(ready, helper({ step: { action: 'install', version: '1.1.0', phase: 'staging', since: '2026-12-01T03:00:00Z' } })).state).toBe('installing')
    expect(withHelper({ ...ready, current: '1.1.0', available: null, state: 'none' }, helper({ step: { action: 'install', version: '1.1.0', phase: 'probation', since: '' } })))
      .toMatchObject({ state: 'probation', available: '1.1.0' })
  })

  it('says rolled-back, with the reason, for a version the helper marked bad, and refused for one it refused', () => {
    const rolled = withHelper(ready, helper({ bad: { '1.1.0': '1.1.0 did not report ready within 180 s' }, history: [{ at: '2026-12-01T03:05:00Z', event: 'rolled-back', version: '1.1.0', reason: '1.1.0 did not report ready within 180 s' }] }))
    expect(rolled).toMatchObject({ state: 'rolled-back', lastResult: { outcome: 'rolled-back', reason: '1.1.0 did not report ready within 180 s' } })
    const refused = withHelper(ready, helper({ offered: null, history: [{ at: '2026-12-01T03:05:00Z', event: 'refused', version: '1.1.0', code: 'RELEASE_TAMPERED', reason: 'changed' }] }))
    expect(refused).toMatchObject({ state: 'refused', lastResult: { outcome: 'refused', code: 'RELEASE_TAMPERED', reason: 'changed' } })
  })

  it('is the watcher\'s own view without a helper', () => {
    expect(withHelper(ready, null)).toEqual(ready)
  })
})

describe('the updater-socket option', () => {
  it('is off by default (a laptop only reports) and a relative path is taken from the working folder', () => {
    expect(buildConfig([]).updaterSocket).toBeNull()
    expect(buildConfig([['updater-socket', 'run/updater.sock']], '/srv/portal').updaterSocket).toBe('/srv/portal/run/updater.sock')
  })
})
