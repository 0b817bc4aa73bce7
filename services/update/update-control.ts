// The node's side of installing its own updates on the appliance: the ReleaseWatcher's hand-off (a verified
// release written into the spool and offered to p2p-portal-updater), the helper's status kept fresh for the
// admin page and /api/status, and the organiser's "Install now" and "Go back". Without an updater socket
// (a laptop) none of this exists and the watcher only reports.
import fs from 'node:fs/promises'
import { Resource } from '../lifecycle/resource.js'
import { logger } from '../log.js'
import type { ReleaseInstallerSeam, UpdateResult, UpdateStatus, UpdateStateName } from './release-watcher.js'
import type { SignedRelease } from './release-bundle.js'
import type { ReleaseSpool } from './release-spool.js'
import type { UpdaterClient } from './updater-client.js'
import type { UpdaterStatus } from './parse-updater-request.js'
import type { InstallPhase } from './release-installer.js'
import { isUpdateError } from './update-error.js'

const log = logger('update')

export interface UpdateControlOptions {
  client: Pick<UpdaterClient, 'status' | 'offer' | 'install' | 'goBack' | 'path'>
  spool: Pick<ReleaseSpool, 'write' | 'pathOf'>
  /** How often the helper's status is read again (its install steps, history). */
  pollMs?: number
}

export class UpdateControl extends Resource implements ReleaseInstallerSeam {
  /** What the release watcher reports; the helper's status is laid over it. */
  watcher: { readonly update: UpdateStatus } | null = null
  /** The helper's last status, or null while it cannot be reached. */
  helper: UpdaterStatus | null = null
  /** Why the helper could not be reached, if it could not. */
  helperError: string | null = null
  private timer: NodeJS.Timeout | null = null
  private polling: Promise<unknown> = Promise.resolve()
  /** A bundle written but not yet taken by the helper (it starts after the node at boot): offered once it can be. */
  private pending: string | null = null
  /** The offer waiting for the helper's reply, if one is. */
  private offering: Promise<void> | null = null

  constructor (private readonly opts: UpdateControlOptions) {
    super()
  }

  protected override async _open (): Promise<void> {
    await this.refresh()
    // A poll that outlasts the period (a busy helper) is not joined by another.
    let busy = false
    this.timer = setInterval(() => {
      if (busy) return
      busy = true
      this.polling = this.refresh().finally(() => { busy = false })
    }, this.opts.pollMs ?? 5_000)
    this.timer.unref()
  }

  protected override async _close (): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.polling
  }

  /** The seam the watcher calls once per verified release: spool it, then offer it. */
  async offer (release: SignedRelease): Promise<void> {
    // Rolled back before: the helper would refuse it, so the bundle is not written again at every restart.
    if (this.helper?.bad[release.version] !== undefined) return
    // Already verified and waiting (this node restarted, the helper did not): writing 50 MB to the card again and
    // having the helper hash it all again would change nothing. The helper checks it again when installing anyway.
    const spooled = this.opts.spool.pathOf(release.version)
    if (this.helper?.offered?.version === release.version && await isFile(spooled)) {
      log.info(`update ${release.version} is already waiting in the update helper`)
      return
    }
    this.pending = await this.opts.spool.write(release)
    await this.offerPending()
  }

  /**
   * One offer at a time. The helper hashes the whole release before it answers: seconds on a Pi, a quarter of an
   * hour under slow emulation. The status polls of that time used to offer the same bundle again, and each repeat
   * started the same hashing beside the first on the same two cores, so none of them finished.
   */
  private offerPending (): Promise<void> {
    this.offering ??= this.handOver().finally(() => { this.offering = null })
    return this.offering
  }

  private async handOver (): Promise<void> {
    while (this.pending !== null) {
      const file = this.pending
      try {
        this.setHelper(await this.opts.client.offer(file))
        log.info(`update ${file} handed to the update helper`)
      } catch (err) {
        // Refused (and recorded in the helper's history) or unreachable: the next status read shows which.
        log.warn(`offering ${file} to the update helper: ${(err as Error).message}`)
        if (isUpdateError(err, 'UPDATER_UNAVAILABLE')) return
      }
      // A newer release spooled while this one was being offered is offered next.
      if (this.pending === file) this.pending = null
    }
  }

  async refresh (): Promise<UpdaterStatus | null> {
    try {
      this.setHelper(await this.opts.client.status())
      // An offer under way is not waited for here: it can take minutes, and the polls keep the status fresh meanwhile.
      if (this.pending !== null && this.offering === null) await this.offerPending()
    } catch (err) {
      if (this.helperError === null) log.warn(`update helper: ${(err as Error).message}`)
      this.helper = null
      this.helperError = (err as Error).message
      this.emit('helper', null)
    }
    return this.helper
  }

  /**
   * Starts installing the offered release (the helper restarts this node on it). The helper answers once the
   * install is past its checks; on a slow card (or under emulation) that can outlast the node's wait while the
   * install goes on, and the organiser was told the helper was unavailable as it staged the release. So a wait
   * that ends without an answer asks the helper what it is doing: installing that release is a start.
   */
  async install (version?: string): Promise<string> {
    let v: string
    try {
      v = await this.opts.client.install(version)
    } catch (err) {
      if (!isUpdateError(err, 'UPDATER_UNAVAILABLE')) throw err
      const step = (await this.refresh())?.step
      if (step?.action === 'install' && (version === undefined || step.version === version)) {
        log.warn(`install of ${step.version}: ${(err as Error).message}, but the helper is at it (${step.phase})`)
        return step.version
      }
      throw err
    }
    await this.refresh()
    return v
  }

  async goBack (): Promise<string> {
    const v = await this.opts.client.goBack()
    await this.refresh()
    return v
  }

  /** /api/status `update`: the watcher's view, with what the helper is doing or last did. */
  get update (): UpdateStatus {
    const base = this.watcher?.update ?? { current: 'unknown', available: null, state: 'none' as const, lastResult: null }
    return withHelper(base, this.helper)
  }

  private setHelper (s: UpdaterStatus): void {
    this.helper = s
    this.helperError = null
    this.emit('helper', s)
  }
}

const PHASE_STATE: Record<InstallPhase, UpdateStateName> = { checking: 'installing', staging: 'installing', probation: 'probation', 'rolling-back': 'rolled-back' }

/** Lays the helper's status over the watcher's: installing/probation while it works, rolled-back/refused after. */
export function withHelper (base: UpdateStatus, helper: UpdaterStatus | null): UpdateStatus {
  if (helper === null) return base
  const last = helper.history.at(-1)
  const at = (iso: string | undefined) => Number.isFinite(Date.parse(iso ?? '')) ? Date.parse(iso!) : Date.now()
  if (helper.step !== null) {
    const { step } = helper
    const reason = step.action === 'install' ? `installing ${step.version}: ${step.phase}` : `going back to ${step.version}: ${step.phase}`
    return { ...base, available: step.action === 'install' ? step.version : base.available, state: PHASE_STATE[step.phase], lastResult: { at: at(step.since), version: step.version, outcome: base.lastResult?.outcome ?? 'ready', reason } }
  }
  const v = base.available
  if (v !== null && helper.bad[v] !== undefined) {
    const rolled = last?.event === 'rolled-back' && last.version === v ? last : undefined
    return { ...base, state: 'rolled-back', lastResult: result(rolled?.at, v, 'rolled-back', helper.bad[v]) }
  }
  if (v !== null && last !== undefined && last.version === v && last.event === 'refused') {
    return { ...base, state: 'refused', lastResult: { ...result(last.at, v, 'refused', last.reason ?? ''), ...(last.code ? { code: last.code } : {}) } }
  }
  if (base.state === 'none' && last?.event === 'installed' && last.version === base.current) {
    return { ...base, lastResult: result(last.at, last.version, 'installed', `installed ${last.version} (from ${last.from ?? '?'})`) }
  }
  return base

  function result (when: string | undefined, version: string, outcome: UpdateResult['outcome'], reason: string): UpdateResult {
    return { at: at(when), version, outcome, reason }
  }
}

async function isFile (file: string): Promise<boolean> {
  return await fs.stat(file).then(s => s.isFile(), () => false)
}
