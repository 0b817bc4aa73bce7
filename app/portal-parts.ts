// The visitor pages, the captive-portal answers and the admin page, as plugged into a node.
import type { PortalNodeOptions } from './portal-node.js'
import { adminRouter } from '../web/admin/admin-router.js'
import { captiveRouter } from '../web/captive/captive-router.js'
import { OwnHosts } from '../web/captive/own-hosts.js'
import { hostName } from '../web/html/addresses.js'
import { visitorRouter } from '../web/visitor/visitor-router.js'
import { contentHandler } from '../web/content/content-handler.js'

export function portalParts (): Pick<PortalNodeOptions, 'http' | 'content'> {
  return {
    http: (ctx) => {
      const hosts = new OwnHosts(ctx.config, () => ctx.library.nodeKey)
      return {
        // The captive redirect must see every request first, before the API and the pages.
        before: [captiveRouter(ctx, { hosts })],
        after: [adminRouter(ctx), visitorRouter(ctx)],
        ownHost: (req) => hosts.has(hostName(req))
      }
    },
    content: (ctx) => contentHandler(ctx)
  }
}
