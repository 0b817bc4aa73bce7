// The portal's HTTP application: drive files on their fast path, then express with the captive router, the
// node's API and the drive-file route, the visitor pages and the admin page.
import express, { type Express, type Router } from 'express'
import type { NodeContext } from '../services/node/node-context.js'
import type { IncomingMessage, RequestListener } from 'node:http'
import type { DriveFileRoute } from './drive-files/drive-file-route.js'
import { statusRoute } from './api/status-route.js'
import type { HotAnswer } from './server/front-door.js'
import { errorHandler, sendError } from './server/error-handler.js'
import { NOT_FOUND } from '../services/errors.js'
import { coded } from './i18n/error-text.js'

export interface AppParts {
  /** Routers mounted before the node API (captive-portal redirects must see every request first). */
  before?: Router[]
  /** Routers mounted after the node API (pages). */
  after?: Router[]
  /**
   * In captive mode, which requests are for the portal itself and so may take the drive-file fast path
   * (the rest must meet the captive router). Without it, captive mode sends everything through the router.
   */
  ownHost?: (req: Pick<IncomingMessage, 'headers'>) => boolean
}

/**
 * The portal's request handler: drive files on the fast path, everything else through the express app; and,
 * for the front door, the answers that need nothing but memory.
 */
export function createHandler (ctx: NodeContext, files: DriveFileRoute, parts: AppParts = {}): { handler: RequestListener, hot?: HotAnswer } {
  const app = createApp(ctx, files, parts)
  // In captive mode a request for a foreign host must meet the captive router first (it is redirected).
  const ownHost = parts.ownHost
  if (ctx.config.captive && !ownHost) return { handler: app }
  const fast = files.fastPath
  const hot = files.hot
  return {
    handler: (req, res) => {
      if ((ctx.config.captive && !ownHost!(req)) || !fast(req, res, (err) => sendError(err, req, res))) app(req, res)
    },
    hot: (req, res) => (!ctx.config.captive || ownHost!(req)) && hot(req, res)
  }
}

export function createApp (ctx: NodeContext, files: DriveFileRoute, parts: AppParts = {}): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('trust proxy', false)
  for (const r of parts.before ?? []) app.use(r)
  app.use(statusRoute(ctx))
  app.use(files.router())
  for (const r of parts.after ?? []) app.use(r)
  app.use((req, res) => { sendError(coded(NOT_FOUND, 'nothingHere'), req, res) })
  app.use(errorHandler)
  return app
}
