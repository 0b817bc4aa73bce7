// The organiser's update policy and the quiet window it names. Times are the node's local wall-clock time.
// A Pi has no real-time clock: offline, its clock starts from the last saved time, so "03:00" is only as
// right as that clock; the window is then a quiet time of day rather than an exact one.
import { BAD_REQUEST } from '../errors.js'

export interface UpdatePolicy {
  /** `auto`: install a verified release in the quiet window; `manual`: only when the organiser asks. */
  mode: 'auto' | 'manual'
  /** "HH:MM", 24-hour. */
  start: string
  end: string
}

export const DEFAULT_UPDATE_POLICY: UpdatePolicy = { mode: 'auto', start: '03:00', end: '05:00' }

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Minutes after midnight, or null when `text` is not HH:MM. */
export function minutesOf (text: unknown): number | null {
  const m = typeof text === 'string' ? HHMM.exec(text) : null
  return m === null ? null : Number(m[1]) * 60 + Number(m[2])
}

/** Checks a policy as the admin form sends it; throws BAD_REQUEST naming the field and the fix. */
export function checkPolicy (p: { mode: unknown, start: unknown, end: unknown }): UpdatePolicy {
  if (p.mode !== 'auto' && p.mode !== 'manual') throw BAD_REQUEST('Choose automatic or manual updates.', { field: 'mode' })
  const start = minutesOf(p.start)
  const end = minutesOf(p.end)
  if (start === null) throw BAD_REQUEST('The window start must be a time such as 03:00.', { field: 'start' })
  if (end === null) throw BAD_REQUEST('The window end must be a time such as 05:00.', { field: 'end' })
  if (start === end) throw BAD_REQUEST('The window must not start and end at the same time.', { field: 'end' })
  return { mode: p.mode, start: p.start as string, end: p.end as string }
}

/** Whether local time `now` is inside [start, end); a window such as 23:00–01:00 runs past midnight. */
export function inWindow (now: Date, policy: Pick<UpdatePolicy, 'start' | 'end'>): boolean {
  const start = minutesOf(policy.start)
  const end = minutesOf(policy.end)
  if (start === null || end === null || start === end) return false
  const t = now.getHours() * 60 + now.getMinutes()
  return start < end ? t >= start && t < end : t >= start || t < end
}
