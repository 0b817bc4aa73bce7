// GET /events: the home page's live view (seeders, how much is here) as Server-Sent Events. One shared timer
// computes the list once and writes it to every open stream, only when it changed; the number of streams is
// capped, since each one is a socket held open on a small device.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NodeContext } from '../../services/node/node-context.js'
import { lanDrives } from './lan-drives.js'
import { Resource } from '../../services/lifecycle/resource.js'

const TICK_MS = 1_000
const HEARTBEAT_MS = 20_000
export const MAX_STREAMS = 100

export class LiveEvents extends Resource {
  private readonly streams = new Set<ServerResponse>()
  private timer: NodeJS.Timeout | null = null
  private last = ''
  private lastBeat = 0

  constructor (private readonly ctx: NodeContext) { super() }

  get count (): number { return this.streams.size }

  handle (req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= MAX_STREAMS) {
      res.writeHead(503, { 'Retry-After': '30', 'Content-Type': 'text/plain' })
      res.end('Too many live views open\n')
      return
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive'
    })
    // A HEAD gets the headers and nothing to wait for: a stream it cannot read would hold a slot for nothing.
    if (req.method === 'HEAD') { res.end(); return }
    // The browser reconnects after this long if the node restarts.
    res.write(`retry: 5000\n\nevent: drives\ndata: ${this.snapshot()}\n\n`)
    this.streams.add(res)
    res.once('close', () => {
      this.streams.delete(res)
      if (!this.streams.size) this.stop()
    })
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS)
      this.timer.unref()
    }
  }

  protected override async _close (): Promise<void> {
    this.stop()
    for (const s of this.streams) s.end()
    this.streams.clear()
  }

  private stop (): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private snapshot (): string {
    return JSON.stringify(lanDrives(this.ctx).map(d => ({ key: d.key, seeders: d.seeders, local: d.local, bytes: d.bytes, held: d.held, complete: d.complete })))
  }

  private tick (): void {
    let data: string
    try { data = this.snapshot() } catch { return }
    const now = Date.now()
    let msg = ''
    if (data !== this.last) { this.last = data; msg = `event: drives\ndata: ${data}\n\n` } else if (now - this.lastBeat > HEARTBEAT_MS) msg = ': beat\n\n'
    if (!msg) return
    this.lastBeat = now
    for (const s of this.streams) s.write(msg)
  }
}
