// Hotspot mode (--captive): DNS sends every name to this node, so a request for any host but the portal's own
// is a phone's connectivity check or a site the visitor tried. Before "Continue", all of them get a 302 to the
// welcome page (the OS then shows its sign-in sheet); after it, that phone's checks get their "online" answer.
// /welcome itself works in every mode.
import { Router, type Request, type Response } from 'express'
import type { NodeContext } from '../../services/node/node-context.js'
import { pickLanguage } from '../i18n/language.js'
import { clientIp, hostName, ipLiteralUrl, localIp } from '../html/addresses.js'
import { qrSvg } from '../qr/qr-svg.js'
import { renderPage } from '../visitor/visitor-router.js'
import { AcceptedClients } from './accepted-clients.js'
import { OwnHosts } from './own-hosts.js'
import { findProbe } from './probes.js'
import { welcomePage } from './welcome-page.js'

export interface CaptiveOptions { accepted?: AcceptedClients, hosts?: OwnHosts }

function portalBase (ctx: NodeContext, req: Request): string {
  const host = ctx.config.portalHost || localIp(req)
  const port = req.socket.localPort ?? ctx.config.port
  return `http://${host.includes(':') ? `[${host}]` : host}${port === 80 ? '' : ':' + port}`
}

export function captiveRouter (ctx: NodeContext, opts: CaptiveOptions = {}): Router {
  const router = Router()
  const accepted = opts.accepted ?? new AcceptedClients()
  const hosts = opts.hosts ?? new OwnHosts(ctx.config, () => ctx.library.nodeKey)

  if (ctx.config.captive) {
    router.use((req: Request, res: Response, next) => {
      if (hosts.has(hostName(req))) return next()
      res.setHeader('Cache-Control', 'no-store')
      const probe = findProbe(req.path)
      const ip = clientIp(req)
      if (probe && accepted.has(ip)) {
        const a = probe.answer
        for (const [k, v] of Object.entries(a.headers ?? {})) res.setHeader(k, v)
        res.status(a.status)
        if (a.type) res.setHeader('Content-Type', `${a.type}; charset=utf-8`)
        res.end(req.method === 'HEAD' ? undefined : a.body)
        return
      }
      res.redirect(302, `${portalBase(ctx, req)}${accepted.has(ip) ? '/' : '/welcome'}`)
    })
  }

  router.get('/welcome', (req, res, next) => {
    const tr = pickLanguage(req)
    const url = ipLiteralUrl(req, ctx.config)
    qrSvg(url, url).then((qr) => {
      res.setHeader('Cache-Control', 'no-store')
      renderPage(ctx, req, res, { title: tr.t('welcome', { name: ctx.config.name }), bare: true, body: welcomePage(tr, { name: ctx.config.name, url, qr, accepted: accepted.has(clientIp(req)) }) })
    }, next)
  })

  // A real navigation: iOS re-probes only after one, and then closes its sheet or shows "Done".
  router.post('/welcome', (req, res) => {
    accepted.accept(clientIp(req))
    res.setHeader('Cache-Control', 'no-store')
    res.redirect(303, '/welcome')
  })

  return router
}
