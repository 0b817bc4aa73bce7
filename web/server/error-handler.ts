// The one place where typed errors become HTTP status codes and short, user-facing text in the reader's language.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Request, Response, NextFunction } from 'express'
import { BAD_REQUEST, CodedError, isPortalError, type ErrorCode, type ErrorReason, type PortalError } from '../../services/errors.js'
import { logger } from '../../services/log.js'
import { pickAdminLanguage, type AdminTranslator } from '../i18n/admin-language.js'
import { coded, errorParams, errorText } from '../i18n/error-text.js'

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

/**
 * What a client is told about an error; an unexpected error is not described (the log has it). `code` and
 * `message` (English) are what scripts have always read; `reason` and `params` say more precisely why, and
 * `text` is the message in the reader's language.
 */
export interface ErrorView {
  status: number
  code: string
  message: string
  reason?: string
  params?: Record<string, string | number>
  text: string
}

export interface SendErrorOptions {
  /** The area's HTML page for the error (admin, visitor), used unless JSON is answered; it keeps the area's headers. */
  page?: (view: ErrorView) => void
  /** JSON or not; by default JSON for /api/ and for clients that prefer it. */
  json?: boolean
  /** Added to a JSON or text answer (the content host's sandbox headers, Retry-After). */
  headers?: Record<string, string>
}

export function errorView (err: unknown, tr: AdminTranslator): ErrorView {
  const status = httpStatus(err)
  const code = isPortalError(err) ? err.code : status === 500 ? 'INTERNAL' : 'BAD_REQUEST'
  if (!isPortalError(err) && status >= 500) {
    const internal = 'Something went wrong on this node. The organiser can see details in its log.'
    return { status, code, message: internal, text: tr.lang === 'en' ? internal : tr.t('errInternal') }
  }
  const message = (err as Error).message
  // body-parser's refusals (a form too large, unreadable) are not coded: give them their reason here.
  const worded = isPortalError(err) ? err : bodyError(err) ?? err
  const view: ErrorView = { status, code, message, text: errorText(worded, tr) }
  if (worded instanceof CodedError && worded.details.reason !== undefined) {
    view.reason = worded.reason
    view.params = errorParams(worded)
  }
  return view
}

const BODY_REASONS: Record<string, ErrorReason> = {
  'entity.too.large': 'formTooLarge',
  'parameters.too.many': 'tooManyFields',
  'entity.parse.failed': 'formUnreadable',
  'encoding.unsupported': 'formUnreadable',
  'charset.unsupported': 'formUnreadable',
  'request.aborted': 'uploadInterrupted'
}

function bodyError (err: unknown): PortalError | null {
  const type = (err as { type?: unknown } | null)?.type
  // Worded from the table in English too: body-parser's own message ("request entity too large") is jargon.
  return typeof type === 'string' && Object.hasOwn(BODY_REASONS, type) ? coded(BAD_REQUEST, BODY_REASONS[type]) : null
}

/**
 * The one error renderer: the area's page when it has one, else JSON for /api (or when JSON is preferred) and
 * plain text elsewhere, worded in the request's language (lang cookie, then Accept-Language); never a stack
 * trace. Plain Node objects.
 */
export function sendError (err: unknown, req: IncomingMessage, res: ServerResponse, opts: SendErrorOptions = {}): void {
  const view = errorView(err, pickAdminLanguage(req))
  const { status, code, message, text } = view
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
  // Beside `error`, a top-level `message` in the reader's language, as a form that succeeded answers.
  const body = json ? JSON.stringify({ error: { code, message, reason: view.reason, params: view.params }, message: text }) : `${text}\n`
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
