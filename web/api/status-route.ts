// GET /api/status: the node's state for other tools (see README, "The contract").
import { Router } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import { nodeStatus } from '../../services/node/node-status.js'

export function statusRoute (ctx: NodeContext): Router {
  const router = Router()
  router.get('/api/status', (req, res, next) => {
    nodeStatus(ctx).then((s) => { res.setHeader('Cache-Control', 'no-store'); res.json(s) }, next)
  })
  return router
}
