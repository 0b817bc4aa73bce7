// A page whose modules are loaded by its first request instead of before READY=1: every module a node loads at
// start delays READY, and on a Pi Zero 2 W the admin page's (uploads, USB, Wi-Fi, updates) are read by one
// organiser, rarely, while phones and peers wait for the node (bench/README.md, "Start, third pass").
import { Router, type Request, type RequestHandler } from 'express'
import { Resource } from '../../services/lifecycle/resource.js'
import { PartList, type Part } from '../../services/lifecycle/part-list.js'
import type { Logger } from '../../services/log.js'

/** What loading the page gives: its routes, and the long-lived parts behind them (opened before it answers). */
export interface LoadedPage { router: RequestHandler, parts: Array<[string, Part]> }

export interface LazyRouterOptions {
  /** The requests that are the page's; every other request passes by without loading it. */
  matches: (req: Request) => boolean
  load: () => Promise<LoadedPage>
  log: Logger
}

export class LazyRouter extends Resource {
  readonly router: Router = Router()
  private loading: Promise<LoadedPage> | null = null
  private readonly parts = new PartList()

  constructor (private readonly opts: LazyRouterOptions) {
    super()
    // Express 5 passes a rejected promise to the error handlers, as next(err) would.
    this.router.use((req, res, next) => opts.matches(req) ? this.page().then((p) => { p.router(req, res, next) }) : next())
  }

  /** True once a request has loaded the page and opened its parts. */
  loaded = false

  /** The page, loaded once: requests that arrive while it loads wait for that same load. */
  page (): Promise<LoadedPage> {
    if (this.isClosing) return Promise.reject(new Error('The node is shutting down: try again once it is back.'))
    if (this.loading === null) {
      const loading = this.loading = this.loadOnce()
      // A load that failed (a part that would not open) is tried again by the next request, not remembered.
      loading.catch(() => { if (this.loading === loading) this.loading = null })
    }
    return this.loading
  }

  private async loadOnce (): Promise<LoadedPage> {
    const page = await this.opts.load()
    for (const [name, part] of page.parts) await this.parts.open(name, part)
    this.loaded = true
    return page
  }

  protected override async _close (): Promise<void> {
    // A load in progress finishes first, so the parts it opens are closed with the rest.
    await this.loading?.catch(() => null)
    await this.parts.closeAll(this.opts.log)
  }
}
