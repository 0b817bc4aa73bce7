// The one place where typed errors become HTTP status codes and short, user-facing text.
import type { Request, Response, NextFunction } from 'express'
import { isPortalError, type ErrorCode } from '../errors.js'
import { logger } from '../log.js'

const log = logger('http')

const STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_KEY: 400,
  BAD_PATH: 400,
  BAD_REQUEST: 400,
  DRIVE_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  DRIVE_BLOCKED: 410,
  NOT_WRITABLE: 403,
  RANGE_NOT_SATISFIABLE: 416,
  QUOTA_EXCEEDED: 507,
  DISK_FULL: 507,
  PEER_REJECTED: 502,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  WIFI_UNAVAILABLE: 503,
  WIFI_FAILED: 502
}

export function httpStatus (err: unknown): number {
  if (isPortalError(err)) return STATUS[err.code]
  const e = err as { status?: number, statusCode?: number, type?: string }
  const s = e?.status ?? e?.statusCode
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500
}

/** JSON for /api, plain text elsewhere; never a stack trace. */
export function errorHandler (err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const status = httpStatus(err)
  const code = isPortalError(err) ? err.code : status === 500 ? 'INTERNAL' : 'BAD_REQUEST'
  const message = isPortalError(err) || status < 500 ? (err as Error).message : 'Something went wrong on this node. The organiser can see details in its log.'
  if (status >= 500) log.error(`${req.method} ${req.path}: ${(err as Error)?.stack ?? err}`)
  if (res.headersSent) { res.destroy(); return }
  res.status(status)
  res.setHeader('Cache-Control', 'no-store')
  if (req.path.startsWith('/api/') || req.accepts(['text/html', 'application/json']) === 'application/json') {
    res.json({ error: { code, message } })
  } else {
    res.type('text/plain').send(`${message}\n`)
  }
}
