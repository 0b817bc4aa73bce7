// A page loaded by its first request (web/server/lazy-router.ts): how the admin page's modules stay out of a
// node's start without a visitor or the organiser seeing a difference.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import express, { Router } from 'express'
import { LazyRouter, type LoadedPage } from '../../web/server/lazy-router.js'
import { Resource } from '../../services/lifecycle/resource.js'
import { logger } from '../../services/log.js'

class Recorded extends Resource {
  constructor (readonly events: string[], readonly name: string) { super() }
  protected override async _open (): Promise<void> { this.events.push(`open ${this.name}`) }
  protected override async _close (): Promise<void> { this.events.push(`close ${this.name}`) }
}

/** A load that finishes only when the spec says so, counting how often it was started. */
function gatedLoad (events: string[]) {
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  let loads = 0
  const load = async (): Promise<LoadedPage> => {
    loads++
    events.push('load')
    await gate
    const router = Router()
    router.get('/admin/hello', (req, res) => { res.send(`hello ${String(req.query.n)}`) })
    return { router, parts: [['jobs', new Recorded(events, 'jobs')], ['client', new Recorded(events, 'client')]] }
  }
  return { load, release, loads: () => loads }
}

const servers: http.Server[] = []
afterEach(async () => { await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve)))) })

async function serve (lazy: LazyRouter): Promise<string> {
  const app = express()
  app.use(lazy.router)
  app.use((req, res) => { res.status(404).send('other page') })
  app.use((err: Error, req: express.Request, res: express.Response, next: express.NextFunction) => { res.status(500).send(`error: ${err.message}`) })
  const server = http.createServer(app)
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const log = logger('test')
const matches = (req: express.Request) => /^\/admin(?:\/|$)/i.test(req.path)

describe('a page loaded by its first request', () => {
  it('is not loaded by requests for other pages', async () => {
    const events: string[] = []
    const g = gatedLoad(events)
    const lazy = new LazyRouter({ matches, load: g.load, log })
    await lazy.open()
    const url = await serve(lazy)
    const res = await fetch(`${url}/drive/abc/`)
    expect(await res.text()).toBe('other page')
    expect(g.loads()).toBe(0)
    expect(lazy.loaded).toBe(false)
    await lazy.close()
  })

  it('answers concurrent first requests from one load, after opening the parts behind it', async () => {
    const events: string[] = []
    const g = gatedLoad(events)
    const lazy = new LazyRouter({ matches, load: g.load, log })
    await lazy.open()
    const url = await serve(lazy)
    const answers = Promise.all([1, 2, 3].map(n => fetch(`${url}/admin/hello?n=${n}`).then(async r => `${r.status} ${await r.text()}`)))
    // Every request is waiting on the same load before it is let go.
    await expect.poll(() => g.loads()).toBe(1)
    g.release()
    expect(await answers).toEqual(['200 hello 1', '200 hello 2', '200 hello 3'])
    expect(g.loads()).toBe(1)
    expect(events).toEqual(['load', 'open jobs', 'open client'])
    expect(await fetch(`${url}/ADMIN/hello?n=4`).then(r => r.text())).toBe('hello 4')
    await lazy.close()
    expect(events.slice(3)).toEqual(['close client', 'close jobs'])
  })

  it('answers a failed load as an error and tries again on the next request', async () => {
    let attempts = 0
    const lazy = new LazyRouter({
      matches,
      load: async () => {
        if (++attempts === 1) throw new Error('module missing')
        const router = Router()
        router.get('/admin', (req, res) => { res.send('admin') })
        return { router, parts: [] }
      },
      log
    })
    await lazy.open()
    const url = await serve(lazy)
    const first = await fetch(`${url}/admin`)
    expect([first.status, await first.text()]).toEqual([500, 'error: module missing'])
    expect(await fetch(`${url}/admin`).then(r => r.text())).toBe('admin')
    expect(attempts).toBe(2)
    await lazy.close()
  })

  it('closes the parts of a load still in progress when it closes, and loads nothing after', async () => {
    const events: string[] = []
    const g = gatedLoad(events)
    const lazy = new LazyRouter({ matches, load: g.load, log })
    await lazy.open()
    const url = await serve(lazy)
    const answer = fetch(`${url}/admin/hello?n=1`).then(r => r.text())
    await expect.poll(() => g.loads()).toBe(1)
    const closed = lazy.close()
    g.release()
    await closed
    expect(events).toEqual(['load', 'open jobs', 'open client', 'close client', 'close jobs'])
    // The request that started the load was answered; one after close is refused rather than loading again.
    expect(await answer).toBe('hello 1')
    expect(await fetch(`${url}/admin/hello`).then(r => r.status)).toBe(500)
    expect(g.loads()).toBe(1)
  })
})
