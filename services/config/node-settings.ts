// Settings the organiser changes on the admin page, kept in `<data>/settings.json` so a restart keeps them.
// The configuration is read once and never changed; these are the only values that change at run time, and
// this object is the one place that changes them: loaded over the configuration at start (the organiser's
// latest choice wins over the image's config file), then changed by the admin page, which emits 'change'.
import path from 'node:path'
import type { Config } from './config.js'
import { Resource } from '../lifecycle/resource.js'
import { readJson, writeFileAtomic } from '../storage/atomic-file.js'
import { BAD_REQUEST, asDiskFull } from '../errors.js'
import { logger } from '../log.js'
import { checkPolicy, DEFAULT_UPDATE_POLICY, type UpdatePolicy } from '../update/update-window.js'

const log = logger('config')

export const SETTINGS_FILE = 'settings.json'

export interface AdminSettings {
  maxDriveBytes?: number
  maxTotalBytes?: number
  /** When this node installs its own updates (on the appliance). */
  updates?: UpdatePolicy
}

export function settingsPath (dataDir: string): string {
  return path.join(dataDir, SETTINGS_FILE)
}

/** The saved settings; a missing or unreadable file means none (the configuration stands). */
export async function loadAdminSettings (dataDir: string): Promise<AdminSettings> {
  let raw: unknown
  try {
    raw = await readJson<unknown>(settingsPath(dataDir), {})
  } catch (err) {
    log.error(`${settingsPath(dataDir)} is unreadable (${(err as Error).message}): using the configured caps`)
    return {}
  }
  const out: AdminSettings = {}
  const r = (raw ?? {}) as Record<string, unknown>
  if (validSize(r.maxDriveBytes)) out.maxDriveBytes = r.maxDriveBytes
  if (validSize(r.maxTotalBytes)) out.maxTotalBytes = r.maxTotalBytes
  try {
    if (r.updates !== undefined) out.updates = checkPolicy(r.updates as UpdatePolicy)
  } catch (err) {
    log.error(`${settingsPath(dataDir)}: update policy ignored (${(err as Error).message})`)
  }
  return out
}

export async function saveAdminSettings (dataDir: string, settings: AdminSettings): Promise<void> {
  try {
    await writeFileAtomic(settingsPath(dataDir), JSON.stringify(settings, null, 1) + '\n')
  } catch (err) {
    throw asDiskFull(err) ?? err
  }
}

/** Checks a pair of caps as the admin form sends them; throws BAD_REQUEST naming the fix. */
export function checkCaps<T extends { maxDriveBytes: number, maxTotalBytes: number }> (s: T): T {
  if (!validSize(s.maxDriveBytes)) throw BAD_REQUEST('The per-drive cap must be a size such as 500M or 4G.')
  if (!validSize(s.maxTotalBytes)) throw BAD_REQUEST('The total cap must be a size such as 16G.')
  if (s.maxDriveBytes > s.maxTotalBytes) throw BAD_REQUEST('The per-drive cap is larger than the total cap: lower it or raise the total cap.')
  return s
}

export class NodeSettings extends Resource {
  private caps: Required<Pick<AdminSettings, 'maxDriveBytes' | 'maxTotalBytes'>>
  private policy: UpdatePolicy = DEFAULT_UPDATE_POLICY
  /** What settings.json holds: a value never set on the admin page stays out, so the configuration still applies. */
  private saved: AdminSettings = {}

  constructor (private readonly config: Readonly<Config>) {
    super()
    this.caps = { maxDriveBytes: config.maxDriveBytes, maxTotalBytes: config.maxTotalBytes }
  }

  get maxDriveBytes (): number { return this.caps.maxDriveBytes }
  get maxTotalBytes (): number { return this.caps.maxTotalBytes }
  get updatePolicy (): UpdatePolicy { return { ...this.policy } }

  /** Caps the organiser set survive restarts; they must hold before the mirror first reviews. */
  protected override async _open (): Promise<void> {
    const saved = this.saved = await loadAdminSettings(this.config.data)
    if (saved.updates) this.policy = saved.updates
    const drive = saved.maxDriveBytes ?? this.caps.maxDriveBytes
    const total = saved.maxTotalBytes ?? this.caps.maxTotalBytes
    if (drive > total) {
      log.warn(`${SETTINGS_FILE}: per-drive cap above the total cap; keeping the configured caps`)
      return
    }
    if (saved.maxDriveBytes !== undefined || saved.maxTotalBytes !== undefined) {
      log.info(`caps from the admin page (${SETTINGS_FILE}) override the configured ones`)
    }
    this.caps = { maxDriveBytes: drive, maxTotalBytes: total }
  }

  /** Checks, saves (a full disk refuses the change), then applies and tells whoever listens for 'change'. */
  async setCaps (caps: Required<Pick<AdminSettings, 'maxDriveBytes' | 'maxTotalBytes'>>): Promise<void> {
    const checked = checkCaps(caps)
    await this.save({ ...this.saved, ...checked })
    this.caps = { ...checked }
    this.emit('change', this)
  }

  async setUpdatePolicy (policy: UpdatePolicy): Promise<void> {
    const checked = checkPolicy(policy)
    await this.save({ ...this.saved, updates: checked })
    this.policy = checked
    this.emit('change', this)
  }

  private async save (next: AdminSettings): Promise<void> {
    await saveAdminSettings(this.config.data, next)
    this.saved = next
  }
}

function validSize (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0
}
