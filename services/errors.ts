// Typed, coded errors. One place (services/http/error-handler.ts) maps codes to HTTP status and text;
// the CLI prints `message` as-is, so every message says what is wrong and how to fix it.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'BAD_KEY'
  | 'BAD_PATH'
  | 'DRIVE_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'DRIVE_BLOCKED'
  | 'NOT_WRITABLE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'QUOTA_EXCEEDED'
  | 'DISK_FULL'
  | 'PEER_REJECTED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'BAD_REQUEST'
  | 'WIFI_UNAVAILABLE'
  | 'WIFI_FAILED'
  | 'NOT_FOUND'
  | 'DATA_IN_USE'
  | 'DATA_NOT_WRITABLE'
  | 'NO_HOLDER'

/** An error with a code a program can act on and a message a person can act on. */
export class CodedError<C extends string> extends Error {
  readonly code: C
  readonly details: Record<string, unknown>

  constructor (code: C, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.details = details
  }
}

export class PortalError extends CodedError<ErrorCode> {}

const factory = (code: ErrorCode) => (message: string, details?: Record<string, unknown>) =>
  new PortalError(code, message, details)

export const CONFIG_INVALID = factory('CONFIG_INVALID')
export const BAD_KEY = factory('BAD_KEY')
export const BAD_PATH = factory('BAD_PATH')
export const DRIVE_NOT_FOUND = factory('DRIVE_NOT_FOUND')
export const FILE_NOT_FOUND = factory('FILE_NOT_FOUND')
export const DRIVE_BLOCKED = factory('DRIVE_BLOCKED')
export const NOT_WRITABLE = factory('NOT_WRITABLE')
export const RANGE_NOT_SATISFIABLE = factory('RANGE_NOT_SATISFIABLE')
export const QUOTA_EXCEEDED = factory('QUOTA_EXCEEDED')
export const DISK_FULL = factory('DISK_FULL')
export const PEER_REJECTED = factory('PEER_REJECTED')
export const UNAUTHORIZED = factory('UNAUTHORIZED')
export const FORBIDDEN = factory('FORBIDDEN')
export const RATE_LIMITED = factory('RATE_LIMITED')
export const BAD_REQUEST = factory('BAD_REQUEST')
export const WIFI_UNAVAILABLE = factory('WIFI_UNAVAILABLE')
export const WIFI_FAILED = factory('WIFI_FAILED')
export const NOT_FOUND = factory('NOT_FOUND')
export const DATA_IN_USE = factory('DATA_IN_USE')
export const DATA_NOT_WRITABLE = factory('DATA_NOT_WRITABLE')
/** A drive this node does not hold, and no node that holds it answered in time. */
export const NO_HOLDER = factory('NO_HOLDER')

export function isPortalError (err: unknown, code?: ErrorCode): err is PortalError {
  return err instanceof PortalError && (code === undefined || err.code === code)
}

/** Node's ENOSPC/EDQUOT, or RocksDB's "No space left", become DISK_FULL so callers can say so plainly. */
export function asDiskFull (err: unknown): PortalError | null {
  const e = err as { code?: string, message?: string } | null
  if (!e) return null
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || /no space left/i.test(e.message ?? '')) {
    return DISK_FULL('The disk is full: free space or lower the disk cap (max-total-size), then try again.')
  }
  return null
}
