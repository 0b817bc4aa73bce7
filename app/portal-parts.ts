// The web side of a node as the CLI runs it: the captive-portal answers, the admin page, the visitor pages and
// the untrusted-content port, with the long-lived parts behind them.
import type { WebParts } from './portal-node.js'
import { adminPage } from '../web/admin/admin-router.js'
import { captiveRouter } from '../web/captive/captive-router.js'
import { OwnHosts } from '../web/captive/own-hosts.js'
import { hostName } from '../web/html/addresses.js'
import { visitorPages } from '../web/visitor/visitor-router.js'
import { contentHandler } from '../web/content/content-handler.js'

export const portalWeb: WebParts = (ctx, files) => {
  const hosts = new OwnHosts(ctx.config, () => ctx.library.nodeKey)
  const admin = adminPage(ctx)
  const visitor = visitorPages(ctx)
  return {
    parts: [...admin.parts, ...visitor.parts],
    http: {
      // The captive redirect must see every request first, before the API and the pages.
      before: [captiveRouter(ctx, { hosts })],
      after: [admin.router, visitor.router],
      ownHost: (req) => hosts.has(hostName(req))
    },
    content: contentHandler(ctx, files.sender)
  }
}
