// The portal's HTTP application: the node's API, then (as they are added) the visitor pages and the admin page.
import express, { type Express, type Router } from 'express'
import type { NodeContext } from '../node/node-context.js'
import { nodeApi } from './node-api.js'
import { errorHandler } from './error-handler.js'

export interface AppParts {
  /** Routers mounted before the node API (captive-portal redirects must see every request first). */
  before?: Router[]
  /** Routers mounted after the node API (pages). */
  after?: Router[]
}

export function createApp (ctx: NodeContext, parts: AppParts = {}): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('trust proxy', false)
  for (const r of parts.before ?? []) app.use(r)
  app.use(nodeApi(ctx))
  for (const r of parts.after ?? []) app.use(r)
  app.use((req, res) => { res.status(404).type('text/plain').send('Not found\n') })
  app.use(errorHandler)
  return app
}
