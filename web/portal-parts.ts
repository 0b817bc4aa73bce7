// The visitor pages, the captive-portal answers and the admin page, as plugged into a node.
// (Filled in by the portal work; the node runs with its API alone until then.)
import type { PortalNodeOptions } from '../services/node/portal-node.js'
import { adminRouter } from './admin/admin-router.js'

export function portalParts (): Pick<PortalNodeOptions, 'http' | 'content'> {
  return {
    http: (ctx) => ({ after: [adminRouter(ctx)] })
  }
}
