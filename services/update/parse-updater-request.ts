// The update helper's wire protocol: one JSON object per line each way, like p2p-portal-netd's. The helper runs
// as root and this socket is its whole boundary, so requests are checked strictly: an unknown op or field, a
// path that is not a release bundle's, or a version that is not one is refused, not ignored.
import path from 'node:path'
import { BAD_REQUEST } from '../errors.js'
import { parseVersion, isVersion } from './release-manifest.js'
import { BUNDLE_PREFIX } from './release-bundle.js'
import type { HistoryEntry } from './update-state.js'
import type { InstallStep } from './release-installer.js'

export type UpdaterRequest =
  | { op: 'status' }
  /** A release bundle the node wrote into its spool folder; the helper checks it from scratch. */
  | { op: 'offer', path: string }
  /** Install the offered release now (`version`, when given, must be the offered one). */
  | { op: 'install', version?: string }
  | { op: 'go-back' }
  /** Drop the offer (the node removed the bundle). */
  | { op: 'forget' }

export interface OfferedRelease {
  version: string
  minVersion: string
  notes: string
  /** Bytes of the app tree. */
  size: number
  /** When the helper checked it (ISO). */
  at: string
  /** The version the organiser went back from: the quiet window leaves it alone. */
  held: boolean
}

export interface UpdaterStatus {
  /** What `current` points at: the version systemd starts. */
  current: string | null
  /** The version kept on disk to go back to. */
  previous: string | null
  offered: OfferedRelease | null
  /** The install or go-back under way, and which of its steps. */
  step: InstallStep | null
  bad: Record<string, string>
  /** Newest last. */
  history: HistoryEntry[]
}

export type UpdaterReply =
  | ({ ok: true } & Partial<UpdaterStatus> & { version?: string })
  | { ok: false, code: string, message: string }

const FIELDS: Record<UpdaterRequest['op'], readonly string[]> = {
  status: ['op'],
  offer: ['op', 'path'],
  install: ['op', 'version'],
  'go-back': ['op'],
  forget: ['op']
}
const MAX_PATH = 1024

export function parseUpdaterRequest (line: string): UpdaterRequest {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw BAD_REQUEST('The request is not valid JSON: send one JSON object per line.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw BAD_REQUEST('The request must be a JSON object with an "op" field.')
  }
  const req = value as Record<string, unknown>
  const op = req.op
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op)) {
    throw BAD_REQUEST(`Unknown op ${JSON.stringify(op)}: use one of ${Object.keys(FIELDS).join(', ')}.`)
  }
  const allowed = FIELDS[op as UpdaterRequest['op']]
  for (const key of Object.keys(req)) {
    if (!allowed.includes(key)) throw BAD_REQUEST(`Unknown field "${key}" for op "${op}".`)
  }
  switch (op as UpdaterRequest['op']) {
    case 'offer': return { op: 'offer', path: bundlePath(req.path) }
    case 'install':
      if (req.version === undefined) return { op: 'install' }
      if (!isVersion(req.version)) throw BAD_REQUEST('"version" must be a version such as 1.2.0.')
      return { op: 'install', version: req.version }
    default: return { op: op as 'status' | 'go-back' | 'forget' }
  }
}

/** An absolute, normalised path whose file name is p2p-portal-release-<version>.tar. */
function bundlePath (p: unknown): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH) throw BAD_REQUEST('Op "offer" needs "path": the release bundle\'s absolute path.')
  if (!path.isAbsolute(p) || path.normalize(p) !== p || p.includes('\0')) throw BAD_REQUEST('"path" must be absolute and normalised (no "..", no "//").')
  const name = path.basename(p)
  const version = name.startsWith(BUNDLE_PREFIX) && name.endsWith('.tar') ? name.slice(BUNDLE_PREFIX.length, -'.tar'.length) : ''
  if (parseVersion(version) === null) throw BAD_REQUEST(`"path" must name a release bundle (${BUNDLE_PREFIX}<version>.tar).`)
  return p
}

/** The version in a bundle's file name (the parser has checked it is one). */
export function bundleVersion (p: string): string {
  return path.basename(p).slice(BUNDLE_PREFIX.length, -'.tar'.length)
}
