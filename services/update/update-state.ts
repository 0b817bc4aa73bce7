// <root>/update-state.json: what the update helper knows across restarts and power cuts. Written atomically
// (temp file, fsync, rename), so after a power cut it holds either the step before or the step after.
import { isVersion } from './release-manifest.js'

export type HistoryEvent = 'installed' | 'rolled-back' | 'refused' | 'recovered' | 'went-back'

export interface HistoryEntry {
  /** ISO time from the helper's clock. The Pi has no real-time clock: offline, this can be days behind. */
  at: string
  event: HistoryEvent
  version: string
  /** The version that was running before (installed, rolled-back). */
  from?: string | null
  code?: string
  reason?: string
}

export interface UpdateState {
  format: 1
  /** Last version confirmed good (passed its probation, or found installed at first start). */
  current: string | null
  /** The confirmed version before it: the one kept on disk to go back to. */
  previous: string | null
  /** Set from just before `current` is switched to a new version until it passes or fails its probation. */
  probation: { version: string, previous: string | null, since: string } | null
  /** Versions that failed: never installed again. Value: why. */
  bad: Record<string, string>
  /** Versions the organiser went back from: only "Install now" installs them again, never the quiet window. Value: why. */
  held: Record<string, string>
  /** How many probations of a version a power cut or helper crash interrupted. */
  interrupted: Record<string, number>
  /** Newest last, at most HISTORY_MAX entries. */
  history: HistoryEntry[]
}

export const STATE_FILE = 'update-state.json'
export const HISTORY_MAX = 50

export function emptyState (): UpdateState {
  return { format: 1, current: null, previous: null, probation: null, bad: {}, held: {}, interrupted: {}, history: [] }
}

const versionOrNull = (v: unknown): string | null => isVersion(v) ? v : null

/** Reads the file's JSON leniently: a field that is wrong is dropped, not trusted, and recover() re-derives it from disk. */
export function parseState (text: string): UpdateState {
  const raw = JSON.parse(text) as Record<string, any>
  const state = emptyState()
  if (typeof raw !== 'object' || raw === null) return state
  state.current = versionOrNull(raw.current)
  state.previous = versionOrNull(raw.previous)
  const p = raw.probation
  if (p && isVersion(p.version)) state.probation = { version: p.version, previous: versionOrNull(p.previous), since: String(p.since ?? '') }
  for (const [v, why] of Object.entries(raw.bad ?? {})) if (isVersion(v)) state.bad[v] = String(why)
  for (const [v, why] of Object.entries(raw.held ?? {})) if (isVersion(v)) state.held[v] = String(why)
  for (const [v, n] of Object.entries(raw.interrupted ?? {})) if (isVersion(v) && Number.isSafeInteger(n)) state.interrupted[v] = n as number
  if (Array.isArray(raw.history)) state.history = raw.history.filter((h: any) => h && typeof h.event === 'string' && typeof h.version === 'string').slice(-HISTORY_MAX)
  return state
}

export function addHistory (state: UpdateState, entry: HistoryEntry): void {
  state.history.push(entry)
  if (state.history.length > HISTORY_MAX) state.history.splice(0, state.history.length - HISTORY_MAX)
}
