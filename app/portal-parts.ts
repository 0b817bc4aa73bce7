// The web side of a node as the CLI runs it: the captive-portal answers, the admin page, the visitor pages and
// the untrusted-content port, with the long-lived parts behind them.
import type { WebParts } from './portal-node.js'
import { captiveRouter } from '../web/captive/captive-router.js'
import { OwnHosts } from '../web/captive/own-hosts.js'
import { hostName } from '../web/html/addresses.js'
import { visitorPages } from '../web/visitor/visitor-router.js'
import { contentHandler } from '../web/content/content-handler.js'
import { AdminPassword } from '../web/admin/admin-password.js'
import { LazyRouter } from '../web/server/lazy-router.js'
import { logger } from '../services/log.js'

const log = logger('admin')
// Every route of the admin page is under /admin; Express matches paths without regard to case.
const ADMIN_PATH = /^\/admin(?:\/|$)/i

export const portalWeb: WebParts = (ctx, files) => {
  const hosts = new OwnHosts(ctx.config, () => ctx.library.nodeKey)
  // Read at start, so a bad password file shows in the log then rather than at the first visit.
  const password = new AdminPassword({ dataDir: ctx.config.data, passwordFile: ctx.config.adminPasswordFile })
  password.ready().catch((err) => log.error((err as Error).message))
  // The admin page's modules (uploads, USB, Wi-Fi, updates) load with its first request, not before READY=1.
  const admin = new LazyRouter({
    matches: (req) => ADMIN_PATH.test(req.path),
    load: async () => (await import('../web/admin/admin-router.js')).adminPage(ctx, { password }),
    log
  })
  const visitor = visitorPages(ctx)
  return {
    parts: [['admin page', admin], ...visitor.parts],
    http: {
      // The captive redirect must see every request first, before the API and the pages.
      before: [captiveRouter(ctx, { hosts })],
      after: [admin.router, visitor.router],
      ownHost: (req) => hosts.has(hostName(req))
    },
    content: contentHandler(ctx, files.sender)
  }
}
