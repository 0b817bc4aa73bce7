// The appliance's update hand-off end to end on loopback: node A serves a release drive made by
// `p2p-portal release`; node B follows it (`release-key`) and hands the verified release to a real
// p2p-portal-updater process (`updater-socket`) over its unix socket, and the organiser drives install now,
// go back and the update policy through B's admin forms. The helper runs on a temp root with
// --test-no-restart (no systemd here): it stages, switches and checks exactly as on the Pi, but restarting
// the unit does nothing and the unit counts as up. The real systemd restart is the image test's.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { startAdminNode, PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import { APP_VERSION } from '../../../app/app-version.js'
import { UpdaterClient } from '../../../services/update/updater-client.js'

const run = promisify(execFile)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = path.join(ROOT, 'bin/p2p-portal.js')
const UPDATER = path.join(ROOT, 'bin/p2p-portal-updater.js')
const NEXT = '9.0.0'
// Long enough to be seen in /api/status, short enough for a spec: the Pi's is 2 minutes.
const PROBATION_MS = 4_000

let work: string
let releaseKey: string
let a: TestNode
let b: TestNode
let laptop: TestNode
let helperRoot: string
let socket: string
let helper: ChildProcess
const helperLog: string[] = []
let organiser: AdminClient

const connect = (x: TestNode, y: TestNode) => {
  x.node.peers.discovered({ key: y.node.library.nodeKey, host: '127.0.0.1', port: y.node.peers.port })
  y.node.peers.discovered({ key: x.node.library.nodeKey, host: '127.0.0.1', port: x.node.peers.port })
}
const currentLink = async () => fs.readlink(path.join(helperRoot, 'current'))
const helperStatus = () => new UpdaterClient({ path: socket }).status()
const status = async (n: TestNode) => (await fetch(`${n.url}/api/status`)).json()

beforeAll(async () => {
  work = await tempDir('p2p-updater-')
  const { stdout } = await run(process.execPath, [CLI, 'release', '--key-file', path.join(work, 'release.key'), '--data', path.join(work, 'a'), '--version', NEXT, '--notes', 'Faster search'])
  releaseKey = stdout.trim()

  // The helper's root as the image lays it out: the running version's tree and `current` pointing at it.
  helperRoot = path.join(work, 'root')
  await fs.mkdir(path.join(helperRoot, 'releases', APP_VERSION, 'bin'), { recursive: true })
  await fs.writeFile(path.join(helperRoot, 'releases', APP_VERSION, 'bin', 'p2p-portal.js'), '// the image\'s first release\n')
  await fs.symlink(`releases/${APP_VERSION}`, path.join(helperRoot, 'current'))
  const bData = path.join(work, 'b')
  await fs.mkdir(bData)
  // Manual to start with: between 03:00 and 05:00 the default policy would install before the organiser asks.
  await fs.writeFile(path.join(bData, 'settings.json'), JSON.stringify({ updates: { mode: 'manual', start: '03:00', end: '05:00' } }))
  socket = path.join(work, 'updater.sock')
  helper = spawn(process.execPath, [UPDATER, '--root', helperRoot, '--release-key', releaseKey, '--socket', socket,
    '--spool', path.join(bData, 'updates'), '--probation-ms', String(PROBATION_MS), '--test-no-restart'], { stdio: ['ignore', 'pipe', 'pipe'] })
  for (const s of [helper.stdout!, helper.stderr!]) s.on('data', (d) => helperLog.push(...String(d).split('\n').filter(Boolean)))
  await until(() => helperLog.some(l => l.includes('listening on')), { timeout: 20_000, what: `the updater to listen (${helperLog.join(' | ')})` })

  const empty = await tempDir('p2p-no-stick-')
  a = await startTestNode([['data', path.join(work, 'a')]], { web: undefined })
  b = await startAdminNode({ data: bData, pairs: [['release-key', releaseKey], ['updater-socket', socket], ['release-import', empty]] })
  laptop = await startAdminNode({ pairs: [['release-key', releaseKey], ['release-import', empty]] })
  connect(a, b)
  connect(a, laptop)
  organiser = new AdminClient(b.url)
  expect((await organiser.login(PASSWORD)).status).toBe(303)
}, 120_000)

afterAll(async () => {
  for (const n of [b, laptop, a]) await n?.close()
  if (helper && helper.exitCode === null && helper.signalCode === null) {
    const exited = new Promise((resolve) => helper.once('exit', resolve))
    helper.kill('SIGTERM')
    await exited
  }
  await removeTempDirs()
})

describe('installing updates through p2p-portal-updater', () => {
  it('B downloads the release, writes it into its spool and the helper verifies and holds it as the offer', async () => {
    const s = await until(async () => { const h = await helperStatus(); return h.offered?.version === NEXT ? h : null }, { timeout: 30_000, what: 'the helper to hold the offer' })
    expect(s.offered).toMatchObject({ version: NEXT, notes: 'Faster search', held: false })
    expect(s.current).toBe(APP_VERSION)
    expect(await fs.readdir(path.join(work, 'b', 'updates'))).toEqual([`p2p-portal-release-${NEXT}.tar`])
    expect((await status(b)).update).toMatchObject({ current: APP_VERSION, available: NEXT, state: 'ready' })
  })

  it('the Updates section shows the running version, the waiting update with notes and size, and the forms', async () => {
    const page = await organiser.get('/admin/updates')
    expect(page.status).toBe(200)
    expect(page.text).toContain(`Running version: ${APP_VERSION}.`)
    expect(page.text).toMatch(new RegExp(`Ready to install: ${NEXT.replace(/\./g, '\\.')} \\(\\d[\\d.]* (KB|MB)\\)`))
    expect(page.text).toContain('Faster search')
    expect(page.text).toContain('action="/admin/updates/install"')
    expect(page.text).toContain('There is no previous version on this node.')
    expect(page.text).toMatch(/<input type="radio" name="mode" value="manual" checked>/)
    expect(page.text).toContain('value="03:00"')
  })

  it('a policy with a bad time comes back with the error next to the field; a good one is saved and kept', async () => {
    const bad = await organiser.post('/admin/updates/policy', { mode: 'auto', start: '25:00', end: '05:00' })
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/name="start"[^>]*aria-invalid="true"/)
    expect(bad.text).toContain('The window start must be a time such as 03:00.')
    expect(bad.text).toContain('value="25:00"')
    // The same mistakes in the organiser's language, each next to its field.
    const es = await organiser.post('/admin/updates/policy', { mode: 'auto', start: '03:00', end: '29:00' }, { 'accept-language': 'es' })
    expect(es.status).toBe(400)
    expect(es.text).toMatch(/name="end"[^>]*aria-invalid="true"/)
    expect(es.text).toContain('role="alert">Indica una hora como 03:00.<')
    const ar = await organiser.post('/admin/updates/policy', { mode: 'auto', start: '04:00', end: '04:00' }, { 'accept-language': 'ar' })
    expect(ar.status).toBe(400)
    expect(ar.text).toContain('role="alert">لا يمكن أن تبدأ الفترة وتنتهي في الوقت نفسه.<')
    const fr = await organiser.post('/admin/updates/policy', { mode: 'sometimes', start: '03:00', end: '05:00' }, { 'accept-language': 'fr' })
    expect(fr.text).toMatch(/<fieldset aria-invalid="true"/)
    expect(fr.text).toContain('role="alert">Choisissez des mises à jour automatiques ou manuelles.<')
    // Automatic, in a window that is not now (twelve hours away), so the organiser's "Install now" comes first.
    const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
    const policy = { mode: 'auto' as const, start: hhmm(new Date(Date.now() + 12 * 3600_000)), end: hhmm(new Date(Date.now() + 13 * 3600_000)) }
    const ok = await organiser.post('/admin/updates/policy', policy)
    expect(ok.status).toBe(303)
    expect(b.node.settings.updatePolicy).toEqual(policy)
    expect(JSON.parse(await fs.readFile(path.join(work, 'b', 'settings.json'), 'utf8')).updates).toEqual(policy)
    const page = (await organiser.get('/admin/updates')).text
    expect(page).toContain('Update choice saved.')
    expect(page).toMatch(/<input type="radio" name="mode" value="auto" checked>/)
    expect(page).toContain(`value="${policy.start}"`)
  })

  it('"Install now" switches the helper\'s current to the new release; /api/status says probation until it passes', async () => {
    const res = await organiser.post('/admin/updates/install', { version: NEXT })
    expect(res.status).toBe(303)
    expect((await organiser.get('/admin/updates')).text).toContain(`Installing ${NEXT}. The portal restarts in a moment.`)
    const during = await until(async () => { await b.node.updater!.refresh(); const s = await status(b); return s.update.state === 'probation' && s }, { timeout: 20_000, every: 100, what: '/api/status to say probation' })
    expect(during.update).toMatchObject({ available: NEXT, state: 'probation' })
    // Settled: `step` goes back to null only once the helper has also done with the offer it installed.
    const done = await until(async () => { const h = await helperStatus(); return h.step === null && h.history.at(-1)?.event === 'installed' ? h : null }, { timeout: 30_000, what: 'the install to pass its probation' })
    expect(done).toMatchObject({ current: NEXT, previous: APP_VERSION, offered: null, step: null })
    expect(await currentLink()).toBe(`releases/${NEXT}`)
    expect((await fs.readFile(path.join(helperRoot, 'current', 'bin', 'p2p-portal.js'))).equals(await fs.readFile(CLI))).toBe(true)
    const page = (await organiser.get('/admin/updates')).text
    expect(page).toContain(`Previous version: ${APP_VERSION}.`)
    expect(page).toMatch(new RegExp(`<td>installed</td><td>${NEXT.replace(/\./g, '\\.')} <span class="note">\\(from ${APP_VERSION.replace(/\./g, '\\.')}\\)`))
  })

  it('"Go back" returns to the previous version with the same probation; installing again then says nothing is waiting', async () => {
    const res = await organiser.post('/admin/updates/go-back')
    expect(res.status).toBe(303)
    expect((await organiser.get('/admin/updates')).text).toContain(`Going back to ${APP_VERSION}.`)
    const h = await until(async () => { const s = await helperStatus(); return s.step === null && s.history.at(-1)?.event === 'went-back' ? s : null }, { timeout: 30_000, what: 'the go-back to pass its probation' })
    expect(h).toMatchObject({ current: APP_VERSION, previous: NEXT })
    expect(await currentLink()).toBe(`releases/${APP_VERSION}`)
    const again = await organiser.post('/admin/updates/install', { version: NEXT })
    expect(again.status).toBe(409)
    expect(again.text).toMatch(/class="field-error" id="err-install-version" role="alert">No verified release is waiting to be installed\.</)
    // In the organiser's language, by the helper's code; scripts read the code and the helper's own English.
    const es = await organiser.post('/admin/updates/install', { version: NEXT }, { 'accept-language': 'es' })
    expect(es.text).toContain('role="alert">No hay ninguna actualización verificada esperando para instalarse.<')
    const json = await organiser.post('/admin/updates/install', { version: NEXT }, { accept: 'application/json', 'accept-language': 'fr' })
    expect(json.status).toBe(409)
    expect(json.json()).toEqual({ error: { code: 'NOTHING_OFFERED', message: 'No verified release is waiting to be installed.' }, message: 'Aucune mise à jour vérifiée n’attend d’être installée.' })
  })

  it('is in Arabic, right to left, for an organiser who reads Arabic', async () => {
    const page = await organiser.get('/admin/updates', { 'accept-language': 'ar' })
    expect(page.text).toMatch(/<html lang="ar" dir="rtl">/)
    expect(page.text).toContain('التحديثات')
    expect(page.text).toContain('متى يتم التثبيت')
    // With no Internet and no node nearby holding the release, a stick is the way in: the page says how.
    expect(page.text).toContain('انسخ ملف الإصدار (p2p-portal-release-&lt;version&gt;.tar)')
    expect((await organiser.get('/admin/updates', { 'accept-language': 'es' })).text).toContain('memoria USB')
  })

  it('on a laptop (no updater-socket) the section shows the version and the update, with no install buttons', async () => {
    await until(async () => (await status(laptop)).update.state === 'ready', { timeout: 30_000, what: 'the laptop node to see the release' })
    const c = new AdminClient(laptop.url)
    expect((await c.login(PASSWORD)).status).toBe(303)
    const page = await c.get('/admin/updates')
    expect(page.text).toContain(`Update ${NEXT} is available.`)
    expect(page.text).toContain('This node only reports updates')
    expect(page.text).not.toContain('action="/admin/updates/install"')
    expect((await c.post('/admin/updates/install', { version: NEXT })).status).toBe(400)
  })
  it('with the helper stopped, the section says it cannot be reached and "Install now" says so next to the button', async () => {
    const exited = new Promise((resolve) => helper.once('exit', resolve))
    helper.kill('SIGTERM')
    await exited
    const page = await organiser.get('/admin/updates')
    expect(page.text).toContain('The update helper (p2p-portal-updater) cannot be reached, so updates cannot be installed now.')
    expect(page.text).toContain(`is not listening on ${socket}`)
    expect((await status(b)).update).toMatchObject({ current: APP_VERSION, available: NEXT, state: 'ready' })
    const res = await organiser.post('/admin/updates/install', { version: NEXT })
    expect(res.status).toBe(503)
    expect(res.text).toContain('cannot be reached')
  })
})

describe('p2p-portal-updater on its own', () => {
  it('recover, run before the node at boot, turns an install a power cut interrupted back into the version before', async () => {
    const r = await tempDir('p2p-recover-')
    for (const v of ['1.0.0', '1.1.0']) {
      await fs.mkdir(path.join(r, 'releases', v, 'bin'), { recursive: true })
      await fs.writeFile(path.join(r, 'releases', v, 'bin', 'p2p-portal.js'), `// ${v}\n`)
    }
    await fs.mkdir(path.join(r, 'releases', '1.2.0.partial'))
    await fs.symlink('releases/1.1.0', path.join(r, 'current'))
    // The power went while 1.1.0 was on probation.
    await fs.writeFile(path.join(r, 'update-state.json'), JSON.stringify({ format: 1, current: '1.0.0', previous: null, probation: { version: '1.1.0', previous: '1.0.0', since: '2026-12-01T03:00:00.000Z' }, bad: {}, held: {}, interrupted: {}, history: [] }))
    await run(process.execPath, [UPDATER, 'recover', '--root', r])
    expect(await fs.readlink(path.join(r, 'current'))).toBe('releases/1.0.0')
    expect((await fs.readdir(path.join(r, 'releases'))).sort()).toEqual(['1.0.0'])
    const state = JSON.parse(await fs.readFile(path.join(r, 'update-state.json'), 'utf8'))
    expect(state).toMatchObject({ current: '1.0.0', probation: null, interrupted: { '1.1.0': 1 } })
    expect(state.history.find((h: any) => h.event === 'rolled-back')).toMatchObject({ version: '1.1.0', reason: expect.stringMatching(/probation was interrupted/) })
  })

  it('serve reads the release key from the node\'s config file, and only that line of it', async () => {
    const r = await tempDir('p2p-conf-')
    await fs.mkdir(path.join(r, 'releases', '1.0.0'), { recursive: true })
    await fs.symlink('releases/1.0.0', path.join(r, 'current'))
    // A shared folder that is not there would stop the node; it is none of the helper's business.
    await fs.writeFile(path.join(r, 'node.conf'), `name = Library\nshare = /nowhere/at/all\nrelease-key = ${releaseKey}\n`)
    const p = spawn(process.execPath, [UPDATER, '--root', r, '--config', path.join(r, 'node.conf'), '--socket', path.join(r, 's.sock'), '--test-no-restart'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: string[] = []
    for (const s of [p.stdout!, p.stderr!]) s.on('data', (d) => out.push(String(d)))
    const exited = new Promise((resolve) => p.once('exit', resolve))
    try {
      await until(() => out.join('').includes('listening on'), { timeout: 20_000, what: `the helper to listen (${out.join('')})` })
      expect((await new UpdaterClient({ path: path.join(r, 's.sock') }).status()).current).toBe('1.0.0')
    } finally {
      p.kill('SIGTERM')
      await exited
    }
  })

  it('serve will not start without a release key, and says how to give one', async () => {
    const r = await tempDir('p2p-nokey-')
    const res = await run(process.execPath, [UPDATER, '--root', r, '--socket', path.join(r, 's.sock')], { env: { ...process.env, P2P_PORTAL_CONFIG: '' } }).then(() => null, (e: { code: number, stdout: string, stderr: string }) => e)
    expect(res?.code).toBe(1)
    expect(`${res?.stdout}${res?.stderr}`).toMatch(/no release key: give --release-key KEY, or set release-key in the node's config file/)
  })
})
