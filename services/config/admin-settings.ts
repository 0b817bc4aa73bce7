// Settings the organiser changes on the admin page, kept in `<data>/settings.json` so a restart keeps them.
// They are applied over the loaded configuration at start (the organiser's latest choice wins over the
// image's config file) and at run time through MirrorManager.updateSettings.
import path from 'node:path'
import type { Config } from './config.js'
import { readJson, writeFileAtomic } from '../storage/atomic-file.js'
import { BAD_REQUEST, asDiskFull } from '../errors.js'
import { logger } from '../log.js'

const log = logger('config')

export const SETTINGS_FILE = 'settings.json'

export interface AdminSettings {
  maxDriveBytes?: number
  maxTotalBytes?: number
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
export function checkCaps (s: Required<AdminSettings>): Required<AdminSettings> {
  if (!validSize(s.maxDriveBytes)) throw BAD_REQUEST('The per-drive cap must be a size such as 500M or 4G.')
  if (!validSize(s.maxTotalBytes)) throw BAD_REQUEST('The total cap must be a size such as 16G.')
  if (s.maxDriveBytes > s.maxTotalBytes) throw BAD_REQUEST('The per-drive cap is larger than the total cap: lower it or raise the total cap.')
  return s
}

/** Overlays the saved settings on a loaded configuration (before the mirror opens). Returns what changed. */
export async function applyAdminSettings (config: Config): Promise<AdminSettings> {
  const saved = await loadAdminSettings(config.data)
  const drive = saved.maxDriveBytes ?? config.maxDriveBytes
  const total = saved.maxTotalBytes ?? config.maxTotalBytes
  if (drive > total) {
    log.warn(`${SETTINGS_FILE}: per-drive cap above the total cap; keeping the configured caps`)
    return {}
  }
  if (saved.maxDriveBytes !== undefined || saved.maxTotalBytes !== undefined) {
    log.info(`caps from the admin page (${SETTINGS_FILE}) override the configured ones`)
  }
  config.maxDriveBytes = drive
  config.maxTotalBytes = total
  return saved
}

function validSize (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0
}
