// The netd wire protocol: one JSON object per line each way. Requests are checked strictly here, because the
// helper runs as root and its socket is the whole boundary: an unknown op or field is refused, not ignored.
// (The values themselves — SSID length, passphrase rules — are checked by the Wi-Fi adapter.)
import { BAD_REQUEST } from '../errors.js'
import type { WifiCurrent, WifiNetwork } from '../wifi/wifi-adapter.js'

export type NetdRequest =
  | { op: 'status' }
  | { op: 'scan' }
  | { op: 'join', ssid: string, password?: string }
  | { op: 'hotspot', ssid: string, password?: string }

export interface NetdStatus { available: boolean, current: WifiCurrent | null }

export type NetdReply =
  | ({ ok: true } & Partial<NetdStatus> & { networks?: WifiNetwork[] })
  // details carry the error's reason and values, so the admin page can word it in the organiser's language.
  | { ok: false, code: string, message: string, details?: Record<string, string | number> }

const FIELDS: Record<NetdRequest['op'], readonly string[]> = {
  status: ['op'],
  scan: ['op'],
  join: ['op', 'ssid', 'password'],
  hotspot: ['op', 'ssid', 'password']
}

export function parseNetdRequest (line: string): NetdRequest {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw BAD_REQUEST('The request is not valid JSON: send one JSON object per line.', { reason: 'netdBadRequest' })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw BAD_REQUEST('The request must be a JSON object with an "op" field.', { reason: 'netdBadRequest' })
  }
  const req = value as Record<string, unknown>
  const op = req.op
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op)) {
    throw BAD_REQUEST(`Unknown op ${JSON.stringify(op)}: use one of ${Object.keys(FIELDS).join(', ')}.`, { reason: 'netdBadRequest' })
  }
  const allowed = FIELDS[op as NetdRequest['op']]
  for (const key of Object.keys(req)) {
    if (!allowed.includes(key)) throw BAD_REQUEST(`Unknown field "${key}" for op "${op}".`, { reason: 'netdBadRequest' })
  }
  if (op === 'status' || op === 'scan') return { op }
  if (typeof req.ssid !== 'string') throw BAD_REQUEST(`Op "${op}" needs "ssid" as a string.`, { reason: 'netdBadRequest' })
  if (req.password !== undefined && typeof req.password !== 'string') {
    throw BAD_REQUEST(`"password" must be a string (leave it out for an open network).`, { reason: 'netdBadRequest' })
  }
  const out: { op: 'join' | 'hotspot', ssid: string, password?: string } = { op: op as 'join' | 'hotspot', ssid: req.ssid }
  if (req.password !== undefined) out.password = req.password
  return out
}

/**
 * An error's details as they cross the socket: strings and numbers only. A reason this portal does not know
 * (another version of the helper) is shown as the English message, like an error with no reason.
 */
export function plainDetails (details: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  if (typeof details !== 'object' || details === null) return out
  for (const [k, v] of Object.entries(details)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v
  }
  return out
}
