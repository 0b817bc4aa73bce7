// The one place where typed errors become HTTP status codes and short, user-facing text.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Request, Response, NextFunction } from 'express'
import { isPortalError, type ErrorCode } from '../../services/errors.js'
import { logger } from '../../services/log.js'

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
  WIFI_FAILED: 502,
  DATA_IN_USE: 503,
  DATA_NOT_WRITABLE: 503,
  NO_HOLDER: 503
}

export function httpStatus (err: unknown): number {
  if (isPortalError(err)) return STATUS[err.code]
  const e = err as { status?: number, statusCode?: number, type?: string }
  const s = e?.status ?? e?.statusCode
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500
}

/** What a client is told about an error; an unexpected error is not described (the log has it). */
export interface ErrorView { status: number, code: string, message: string }

export interface SendErrorOptions {
  /** The area's HTML page for the error (admin, visitor), used unless JSON is answered; it keeps the area's headers. */
  page?: (view: ErrorView) => void
  /** JSON or not; by default JSON for /api/ and for clients that prefer it. */
  json?: boolean
  /** Added to a JSON or text answer (the content host's sandbox headers, Retry-After). */
  headers?: Record<string, string>
}

export function errorView (err: unknown): ErrorView {
  const status = httpStatus(err)
  const code = isPortalError(err) ? err.code : status === 500 ? 'INTERNAL' : 'BAD_REQUEST'
  const message = isPortalError(err) || status < 500 ? (err as Error).message : 'Something went wrong on this node. The organiser can see details in its log.'
  return { status, code, message }
}

/**
 * The one error renderer: the area's page when it has one, else JSON for /api (or when JSON is preferred) and
 * plain text elsewhere; never a stack trace. Plain Node objects.
 */
export function sendError (err: unknown, req: IncomingMessage, res: ServerResponse, opts: SendErrorOptions = {}): void {
  const view = errorView(err)
  const { status, code, message } = view
  const path = (req.url ?? '').split('?')[0]
  // No holder in reach is the LAN's state, not this node's fault: the visitor is told, the log is not filled.
  if (status >= 500 && code !== 'NO_HOLDER') log.error(`${req.method} ${path}: ${(err as Error)?.stack ?? err}`)
  if (res.headersSent) { res.destroy(); return }
  const accept = String(req.headers.accept ?? '')
  const json = opts.json ?? (path.startsWith('/api/') || (accept.includes('application/json') && !accept.includes('text/html')))
  if (!json && opts.page) {
    for (const [name, value] of Object.entries(opts.headers ?? {})) res.setHeader(name, value)
    return opts.page(view)
  }
  const body = json ? JSON.stringify({ error: { code, message } }) : `${message}\n`
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.writeHead(status, {
    ...opts.headers,
    'Content-Type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

export function errorHandler (err: unknown, req: Request, res: Response, _next: NextFunction): void {
  sendError(err, req, res)
}
