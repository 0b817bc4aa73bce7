// Installs a verified, offered release by itself when the organiser's policy is "automatic" and the local time
// is inside the quiet window (default 03:00–05:00): the node restarts when no visitor is likely to notice.
import { Resource } from '../lifecycle/resource.js'
import { logger } from '../log.js'
import { inWindow, type UpdatePolicy } from './update-window.js'
import type { UpdaterStatus } from './parse-updater-request.js'

const log = logger('update')

/** The version to install now, or null. A version the organiser went back from (held) waits for "Install now". */
export function dueInstall (now: Date, policy: UpdatePolicy, helper: UpdaterStatus | null): string | null {
  if (policy.mode !== 'auto' || helper === null || helper.step !== null) return null
  const offered = helper.offered
  if (offered === null || offered.held) return null
  return inWindow(now, policy) ? offered.version : null
}

export interface UpdateSchedulerOptions {
  control: { readonly helper: UpdaterStatus | null, install (version: string): Promise<string>, on (ev: 'helper', fn: () => void): unknown, off (ev: 'helper', fn: () => void): unknown }
  settings: { readonly updatePolicy: UpdatePolicy }
  now?: () => Date
  tickMs?: number
}

export class UpdateScheduler extends Resource {
  private timer: NodeJS.Timeout | null = null
  /** Asked once per version in this run: a refusal is in the helper's history, not retried every minute. */
  private readonly asked = new Set<string>()
  private readonly onHelper = () => { this.tick() }

  constructor (private readonly opts: UpdateSchedulerOptions) {
    super()
  }

  protected override async _open (): Promise<void> {
    this.opts.control.on('helper', this.onHelper)
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 60_000)
    this.timer.unref()
    this.tick()
  }

  protected override async _close (): Promise<void> {
    this.opts.control.off('helper', this.onHelper)
    if (this.timer) clearInterval(this.timer)
  }

  /** One look: returns the version it asked the helper to install, if any. */
  tick (): string | null {
    if (this.isClosing) return null
    const now = (this.opts.now ?? (() => new Date()))()
    const version = dueInstall(now, this.opts.settings.updatePolicy, this.opts.control.helper)
    if (version === null || this.asked.has(version)) return null
    this.asked.add(version)
    log.info(`installing update ${version} in the quiet window (${this.opts.settings.updatePolicy.start}–${this.opts.settings.updatePolicy.end})`)
    this.opts.control.install(version).catch((err: Error) => log.warn(`installing update ${version} in the quiet window: ${err.message}`))
    return version
  }
}
