// The root update helper's logic. The node that faces phones has no right to replace its own code; it hands a
// verified release to this helper, which stages it beside the running one, switches one symlink, restarts the
// node and watches it through a probation. Layout under `root` (e.g. /opt/p2p-portal-releases):
//   releases/<version>/   complete app trees (at most two: current and previous)
//   releases/<version>.partial/   one being written; never started
//   current -> releases/<version>   what the unit's ExecStart runs
//   update-state.json
// Every step leaves either the old or the new tree complete and `current` pointing at one of them; recover(),
// run when the helper starts, finishes or undoes whatever a power cut interrupted.
import path from 'node:path'
import { logger } from '../log.js'
import { asDiskFull } from '../errors.js'
import { compareVersions, parseManifest, parseVersion, type ReleaseManifest } from './release-manifest.js'
import { checkVersionRules, type ReleaseSource } from './verify-release.js'
import { UpdateError, isUpdateError } from './update-error.js'
import { nodeInstallerFs, type InstallerFs } from './installer-fs.js'
import { realClock, type Clock, type ServiceManager } from './service-manager.js'
import { Systemctl } from './systemctl.js'
import { addHistory, emptyState, parseState, STATE_FILE, type UpdateState } from './update-state.js'

const log = logger('update')
const PARTIAL = '.partial'
/** A version whose probation power cuts interrupted this often is marked bad: it may be what makes the Pi reset. */
const MAX_INTERRUPTED = 2

export interface ReleaseInstallerOptions {
  root: string
  unit?: string
  services?: ServiceManager
  fs?: InstallerFs
  clock?: Clock
  /** How long the new version must stay up after READY=1. */
  probationMs?: number
  /** How long the new version may take to report ready (the unit's TimeoutStartSec is 180 s). */
  readyTimeoutMs?: number
  /** How often the probation looks at the unit. */
  checkEveryMs?: number
  /** Told each step of an install or go-back as it starts, and null once it is over (the helper's `status`). */
  onStep?: (step: InstallStep | null) => void
}

export type InstallPhase = 'checking' | 'staging' | 'probation' | 'rolling-back'
export interface InstallStep { action: 'install' | 'go-back', version: string, phase: InstallPhase, since: string }

export type InstallResult =
  | { outcome: 'installed', version: string, from: string }
  | { outcome: 'rolled-back', version: string, from: string, reason: string }
  | { outcome: 'refused', version: string, code: string, reason: string }
  | { outcome: 'went-back', version: string, from: string }

export interface RecoverResult {
  current: string
  /** `current` was changed: a running node must be restarted to use it. */
  switched: boolean
  actions: string[]
}

export class ReleaseInstaller {
  readonly root: string
  readonly unit: string
  private readonly services: ServiceManager
  private readonly fs: InstallerFs
  private readonly clock: Clock
  private readonly probationMs: number
  private readonly readyTimeoutMs: number
  private readonly checkEveryMs: number
  private readonly onStep: (step: InstallStep | null) => void
  private queue: Promise<unknown> = Promise.resolve()

  constructor (opts: ReleaseInstallerOptions) {
    this.root = opts.root
    this.unit = opts.unit ?? 'p2p-portal.service'
    this.services = opts.services ?? new Systemctl()
    this.fs = opts.fs ?? nodeInstallerFs
    this.clock = opts.clock ?? realClock
    this.probationMs = opts.probationMs ?? 120_000
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 180_000
    this.checkEveryMs = opts.checkEveryMs ?? 5_000
    this.onStep = opts.onStep ?? (() => { /* nobody watches the steps (recover, the unit tests) */ })
  }

  private step (action: InstallStep['action'], version: string, phase: InstallPhase): void {
    this.onStep({ action, version, phase, since: this.now() })
  }

  get releasesDir (): string { return path.join(this.root, 'releases') }
  get currentLink (): string { return path.join(this.root, 'current') }
  get stateFile (): string { return path.join(this.root, STATE_FILE) }
  releaseDir (version: string): string { return path.join(this.releasesDir, version) }

  /** The version `current` points at, if it names a release folder that exists. */
  async currentVersion (): Promise<string | null> {
    const target = await this.fs.readlink(this.currentLink)
    if (target === null) return null
    const resolved = path.resolve(this.root, target)
    const version = path.basename(resolved)
    if (path.dirname(resolved) !== this.releasesDir || parseVersion(version) === null) return null
    return await this.fs.isDirectory(resolved) ? version : null
  }

  async readState (): Promise<UpdateState> {
    const text = await this.fs.readFile(this.stateFile)
    if (text === null) return emptyState()
    try {
      return parseState(text)
    } catch (err) {
      // Cannot be torn (atomic rename); a hand edit can break it. recover() rebuilds what matters from the disk.
      log.error(`${this.stateFile} is unreadable (${(err as Error).message}); starting from what is on disk`)
      return emptyState()
    }
  }

  private async saveState (state: UpdateState): Promise<void> {
    await this.fs.writeFileAtomic(this.stateFile, JSON.stringify(state, null, 1) + '\n')
  }

  private now (): string { return new Date(this.clock.now()).toISOString() }

  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => { /* the caller of run sees the failure; the queue only orders the work */ })
    return run
  }

  /** Run once when the helper starts, before the node does: after this, `current` points at a complete, good release. */
  recover (): Promise<RecoverResult> {
    return this.exclusive(() => this._recover())
  }

  private async _recover (): Promise<RecoverResult> {
    const actions: string[] = []
    for (const name of await this.fs.readdir(this.releasesDir)) {
      if (name.endsWith(PARTIAL)) {
        await this.fs.rm(path.join(this.releasesDir, name))
        actions.push(`removed unfinished ${name}`)
      }
    }
    for (const name of await this.fs.readdir(this.root)) {
      if (name.startsWith('current.') || (name.startsWith(STATE_FILE + '.') && name.endsWith('.tmp'))) await this.fs.rm(path.join(this.root, name))
    }

    const state = await this.readState()
    const linked = await this.currentVersion()
    const onDisk = async (v: string | null): Promise<boolean> => v !== null && await this.fs.isDirectory(this.releaseDir(v))
    let changedState = false

    if (state.probation !== null) {
      const { version, previous } = state.probation
      if (linked === version && !state.bad[version]) {
        // Never confirmed: whatever cut it short may have been this version itself (a reset loop), so go back.
        const times = (state.interrupted[version] ?? 0) + 1
        state.interrupted[version] = times
        const reason = `its probation was interrupted (power cut or helper restart)${times >= MAX_INTERRUPTED ? ` ${times} times` : ''}`
        if (times >= MAX_INTERRUPTED) state.bad[version] = reason
        addHistory(state, { at: this.now(), event: 'rolled-back', version, from: previous, reason })
        actions.push(`rolled back ${version}: ${reason}`)
      }
      state.current = previous ?? state.current
      state.probation = null
      changedState = true
    }

    if (state.current === null && linked !== null && !state.bad[linked]) {
      // First start of an image: the release it shipped with is good by definition.
      state.current = linked
      changedState = true
    }

    let want: string | null = state.current
    if (want === null || !await onDisk(want) || state.bad[want]) {
      const good = (await this.fs.readdir(this.releasesDir))
        .filter(n => parseVersion(n) !== null && !state.bad[n])
        .sort(compareVersions)
      const candidates = [state.previous, ...good.reverse()]
      want = null
      for (const v of candidates) if (v !== null && !state.bad[v] && await onDisk(v)) { want = v; break }
      if (want === null) throw new UpdateError('INSTALL_FAILED', `No complete release is left in ${this.releasesDir}: re-flash the card.`)
      actions.push(`the last good release ${state.current ?? '(none)'} is missing; using ${want}`)
      if (state.previous === want) state.previous = null
      state.current = want
      changedState = true
    }

    const switched = linked !== want
    if (switched) {
      await this.switchTo(want)
      actions.push(`current -> ${want}`)
    }
    if (changedState || switched) {
      if (actions.length > 0) addHistory(state, { at: this.now(), event: 'recovered', version: want, reason: actions.join('; ') })
      await this.saveState(state)
    }
    await this.prune([want, state.previous])
    for (const a of actions) log.info(`recover: ${a}`)
    return { current: want, switched, actions }
  }

  /** Stages, switches to and watches a release. Refusals and rollbacks are results (recorded in the state file), not throws. */
  install (source: ReleaseSource): Promise<InstallResult> {
    return this.exclusive(() => this._install(source).finally(() => this.onStep(null)))
  }

  /**
   * Records a release the helper refused before it reached install() (a bundle that failed its checks), so the
   * organiser sees it in the same history.
   */
  recordRefusal (version: string, err: { code: string, message: string }): Promise<void> {
    return this.exclusive(async () => {
      const state = await this.readState()
      addHistory(state, { at: this.now(), event: 'refused', version, code: err.code, reason: err.message })
      await this.saveState(state)
    })
  }

  private async _install (source: ReleaseSource): Promise<InstallResult> {
    const state = await this.readState()
    let version = String((source.manifest as { version?: unknown })?.version ?? '?')
    const refuse = async (err: unknown): Promise<InstallResult> => {
      if (!isUpdateError(err)) throw err
      log.warn(`refused ${version}: ${err.message}`)
      addHistory(state, { at: this.now(), event: 'refused', version, code: err.code, reason: err.message })
      await this.saveState(state)
      return { outcome: 'refused', version, code: err.code, reason: err.message }
    }

    let manifest: ReleaseManifest
    let from: string
    try {
      // The request crossed a privilege boundary: check it again here, whatever the sender did.
      manifest = parseManifest(source.manifest)
      version = manifest.version
      if (state.bad[version]) throw new UpdateError('RELEASE_MARKED_BAD', `Release ${version} failed before (${state.bad[version]}) and is not tried again.`)
      const current = await this.currentVersion()
      if (current === null || state.probation !== null) throw new UpdateError('RELEASE_NOT_READY', 'The update helper has not recovered from an earlier interruption yet: restart it.')
      from = current
      checkVersionRules(manifest, current)
    } catch (err) {
      return refuse(err)
    }

    // At most two trees on disk, the running one and this one: drop the older fallback before writing.
    await this.prune([from])
    state.previous = null
    const partial = this.releaseDir(version) + PARTIAL
    this.step('install', version, 'staging')
    try {
      await this.stage(manifest, source, partial)
    } catch (err) {
      await this.fs.rm(partial).catch(() => { /* recover() removes a leftover .partial at the next start */ })
      const full = asDiskFull(err)
      if (full !== null) return refuse(new UpdateError('INSTALL_FAILED', `Release ${version} does not fit: ${full.message}`))
      return refuse(err)
    }
    await this.fs.rename(partial, this.releaseDir(version))
    await this.fs.syncDir(this.releasesDir)

    // Persisted before the switch: from here on, a power cut is seen at the next start as an unconfirmed probation.
    state.probation = { version, previous: from, since: this.now() }
    await this.saveState(state)
    await this.switchTo(version)
    log.info(`switched to ${version} (from ${from}); probation ${Math.round(this.probationMs / 1000)} s`)
    this.step('install', version, 'probation')

    const failure = await this.probation()
    if (failure === null) {
      state.previous = from
      state.current = version
      state.probation = null
      delete state.held[version]
      addHistory(state, { at: this.now(), event: 'installed', version, from })
      await this.saveState(state)
      await this.prune([version, from])
      log.info(`${version} passed its probation and is now the running version`)
      return { outcome: 'installed', version, from }
    }

    const reason = `${version} ${failure}`
    state.bad[version] = reason
    await this.rollBack(state, 'install', version, from, reason)
    await this.prune([from, state.previous])
    return { outcome: 'rolled-back', version, from, reason }
  }

  /** Back to `to` after `version` failed its probation: state first, then the link, then the unit. */
  private async rollBack (state: UpdateState, action: InstallStep['action'], version: string, to: string, reason: string): Promise<void> {
    this.step(action, version, 'rolling-back')
    state.probation = null
    state.current = to
    addHistory(state, { at: this.now(), event: 'rolled-back', version, from: to, reason })
    await this.saveState(state)
    await this.switchTo(to)
    log.error(`rolled back to ${to}: ${reason}`)
    await this.services.restart(this.unit).catch((err: Error) => log.error(`restarting ${to}: ${err.message}`))
    const back = await this.services.waitReady(this.unit, this.readyTimeoutMs).catch(() => false)
    if (!back) log.error(`${to} did not report ready after the rollback either; systemd keeps restarting it`)
  }

  /**
   * The organiser's "go back": the previous version (still on disk) becomes current, with a restart and the same
   * probation as an install. The version left is held: the quiet window does not install it again by itself.
   */
  goBack (): Promise<InstallResult> {
    return this.exclusive(() => this._goBack().finally(() => this.onStep(null)))
  }

  private async _goBack (): Promise<InstallResult> {
    const state = await this.readState()
    const from = await this.currentVersion()
    const to = state.previous
    if (from === null || state.probation !== null) throw new UpdateError('RELEASE_NOT_READY', 'The update helper has not recovered from an earlier interruption yet: restart it.')
    if (to === null || to === from || !await this.fs.isDirectory(this.releaseDir(to))) {
      throw new UpdateError('NO_PREVIOUS_VERSION', 'There is no previous version on this node to go back to.')
    }
    if (state.bad[to]) throw new UpdateError('RELEASE_MARKED_BAD', `The previous version ${to} failed before (${state.bad[to]}).`)
    state.probation = { version: to, previous: from, since: this.now() }
    await this.saveState(state)
    await this.switchTo(to)
    log.info(`going back to ${to} (from ${from}); probation ${Math.round(this.probationMs / 1000)} s`)
    this.step('go-back', to, 'probation')
    const failure = await this.probation()
    if (failure !== null) {
      const reason = `${to} ${failure}`
      await this.rollBack(state, 'go-back', to, from, reason)
      return { outcome: 'rolled-back', version: to, from, reason }
    }
    state.current = to
    state.previous = from
    state.probation = null
    state.held[from] = `the organiser went back to ${to}`
    addHistory(state, { at: this.now(), event: 'went-back', version: to, from })
    await this.saveState(state)
    log.info(`went back to ${to}; ${from} is kept but not installed again by itself`)
    return { outcome: 'went-back', version: to, from }
  }

  private async stage (manifest: ReleaseManifest, source: ReleaseSource, partial: string): Promise<void> {
    await this.fs.rm(partial)
    await this.fs.mkdir(partial)
    const dirs = new Set<string>([partial])
    for (const file of manifest.files) {
      const target = path.join(partial, ...file.path.split('/'))
      const dir = path.dirname(target)
      if (!dirs.has(dir)) {
        await this.fs.mkdir(dir)
        for (let d = dir; d !== partial && !dirs.has(d); d = path.dirname(d)) dirs.add(d)
      }
      let got
      try {
        got = await this.fs.writeFile(target, source.createReadStream(file.path), { limit: file.size, mode: file.executable ? 0o755 : 0o644 })
      } catch (err) {
        if ((err as { code?: string }).code === 'BLOCK_NOT_AVAILABLE') throw new UpdateError('RELEASE_TRUNCATED', `Release ${manifest.version} is incomplete: ${file.path} has not been downloaded.`)
        throw err
      }
      if (got.bytes < file.size) throw new UpdateError('RELEASE_TRUNCATED', `Release ${manifest.version} is incomplete: ${file.path} has ${got.bytes} of its ${file.size} bytes.`, { path: file.path })
      if (got.bytes > file.size || got.sha256 !== file.sha256) throw new UpdateError('RELEASE_TAMPERED', `Release ${manifest.version} does not match its manifest: ${file.path} has different content.`, { path: file.path })
    }
    // Every file and folder entry of the tree is on the card before the tree is renamed into place.
    await this.fs.syncFs(partial)
  }

  /** null when the unit came up and stayed up; otherwise what went wrong, to finish "<version> ..." */
  private async probation (): Promise<string | null> {
    try {
      await this.services.restart(this.unit)
    } catch (err) {
      return `could not be started (${(err as Error).message})`
    }
    const ready = await this.services.waitReady(this.unit, this.readyTimeoutMs).catch(() => false)
    if (!ready) return `stopped or did not report ready within ${Math.round(this.readyTimeoutMs / 1000)} s`
    const restarts = await this.services.restartCount?.(this.unit)
    const end = this.clock.now() + this.probationMs
    for (let left = this.probationMs; left > 0; left = end - this.clock.now()) {
      await this.clock.sleep(Math.min(this.checkEveryMs, left))
      const active = await this.services.isActive(this.unit).catch(() => false)
      if (!active) return 'stopped during its probation'
      if (restarts !== undefined && await this.services.restartCount!(this.unit) !== restarts) return 'crashed and was restarted during its probation'
    }
    return null
  }

  /** Points `current` at a release in one rename: a reader sees the old link or the new, never none. */
  private async switchTo (version: string): Promise<void> {
    const tmp = `${this.currentLink}.${process.pid}.tmp`
    await this.fs.rm(tmp)
    // Relative, so the tree still works when the root is mounted or copied elsewhere (an image build, a rescue).
    await this.fs.symlink(path.join('releases', version), tmp)
    await this.fs.rename(tmp, this.currentLink)
    await this.fs.syncDir(this.root)
  }

  private async prune (keep: Array<string | null>): Promise<void> {
    for (const name of await this.fs.readdir(this.releasesDir)) {
      if (keep.includes(name) || name.endsWith(PARTIAL)) continue
      await this.fs.rm(path.join(this.releasesDir, name))
    }
  }
}
