// The HTTP listeners: the portal (pages, API, admin) and, on its own port, untrusted drive content.
import http from 'node:http'
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import type { RequestListener } from 'node:http'
import { logger } from '../../services/log.js'
import { FrontDoor, type HotAnswer } from './front-door.js'
import { Resource } from '../../services/lifecycle/resource.js'

const log = logger('http')

export interface Listener {
  name: string
  port: number
  handler: RequestListener
  /** Answers for requests that need nothing but memory, taken at the socket before node:http (front-door.ts). */
  hot?: HotAnswer
}

export interface HttpServerOptions {
  /** A socket with no bytes either way for this long is closed, unless the portal is still answering it. */
  idleTimeoutMs?: number
  /** The longest the portal may take to start an answer before the idle rule applies again. */
  answerLimitMs?: number
  /**
   * While the portal reads a request body, at least minBodyBytes must arrive in every bodyWindowMs, or the
   * socket is closed: a body dripping in a byte at a time keeps the idle rule from ever firing.
   */
  bodyWindowMs?: number
  minBodyBytes?: number
}

export class HttpServer extends Resource {
  private readonly servers: http.Server[] = []
  /** What listens on each port: the http.Server itself, or the front door's net.Server before it. */
  private readonly listening: NetServer[] = []
  private readonly doors: FrontDoor[] = []
  private readonly idleTimeoutMs: number
  private readonly answerLimitMs: number
  private readonly bodyWindowMs: number
  private readonly minBodyBytes: number

  constructor (private readonly host: string, private readonly specs: Listener[], opts: HttpServerOptions = {}) {
    super()
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000
    this.answerLimitMs = opts.answerLimitMs ?? 300_000
    // About 550 bytes a second: far below any Wi-Fi that carries an upload at all, with room for a stall.
    this.bodyWindowMs = opts.bodyWindowMs ?? 30_000
    this.minBodyBytes = opts.minBodyBytes ?? 16 * 1024
  }

  port (name: string): number {
    const i = this.specs.findIndex(l => l.name === name)
    return (this.listening[i]?.address() as AddressInfo | null)?.port ?? 0
  }

  protected override async _open (): Promise<void> {
    for (const l of this.specs) {
      const server = http.createServer({
        // Slow or stuck clients (a phone walking out of range) must not hold sockets forever.
        headersTimeout: 15_000,
        // Node enforces headersTimeout only when it sweeps connections (every 30 s by default), so a client
        // dripping header lines would hold its socket for up to 45 s.
        connectionsCheckingInterval: 1_000,
        requestTimeout: 0,
        keepAliveTimeout: 5_000,
        maxHeaderSize: 16 * 1024
      }, l.handler)
      server.on('clientError', (err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
        else socket.destroy()
        // Phones that walk away and scanners send these all day: worth a debug line, not a warning.
        log.debug(`client error: ${(err as NodeJS.ErrnoException).code ?? err.message}`)
      })
      this.closeIdleSockets(server)
      this.closeSlowBodies(server)
      const door = l.hot ? new FrontDoor(server, l.hot) : null
      const listener = door ? door.netServer : server
      await new Promise<void>((resolve, reject) => {
        listener.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
          ? new Error(`port ${l.port} is already in use: stop the other program or choose another port (--port)`)
          : err.code === 'EACCES' ? new Error(`no permission to listen on port ${l.port}: use a port above 1023 or grant CAP_NET_BIND_SERVICE`) : err))
        listener.listen(l.port, this.host, () => resolve())
      })
      // node:http starts its connection bookkeeping (header timeouts, closeAllConnections) on 'listening'.
      if (door) { server.emit('listening'); this.doors.push(door) }
      this.servers.push(server)
      this.listening.push(listener)
      log.info(`${l.name} listening on http://${this.host}:${(listener.address() as AddressInfo).port}`)
    }
  }

  /**
   * Idle sockets (no bytes either way) are closed; streams that keep flowing are unaffected. A request the
   * portal has not started to answer is the portal's wait, not the client's: a Wi-Fi join waits for the radio
   * for up to 2½ minutes, and every such handler has its own bound. It keeps its socket up to answerLimitMs.
   */
  private closeIdleSockets (server: http.Server): void {
    const answering = new WeakMap<Socket, { res: http.ServerResponse, since: number }>()
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const entry = { res, since: Date.now() }
      answering.set(req.socket, entry)
      res.once('close', () => { if (answering.get(req.socket) === entry) answering.delete(req.socket) })
    })
    server.setTimeout(this.idleTimeoutMs, (socket: Socket) => {
      const open = answering.get(socket)
      if (open !== undefined && !open.res.headersSent && Date.now() - open.since < this.answerLimitMs) {
        // A timeout fires once; wait another round.
        socket.setTimeout(this.idleTimeoutMs)
        return
      }
      socket.destroy()
    })
  }

  /**
   * A body must keep arriving while the portal reads it. It is a rate over windows, not a total time, so a 2 GB
   * upload over slow Wi-Fi takes as long as it needs; and the clock stops while the portal is not reading (an
   * upload waiting for the disk pauses the request, and then the client cannot send).
   */
  private closeSlowBodies (server: http.Server): void {
    const windowMs = this.bodyWindowMs
    const minBytes = this.minBodyBytes
    server.on('request', (req: http.IncomingMessage) => {
      if (req.complete || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) return
      const socket = req.socket
      let since = Date.now()
      let base = socket.bytesRead
      const restart = () => { since = Date.now(); base = socket.bytesRead }
      const stop = () => { clearInterval(timer); req.removeListener('resume', restart) }
      const timer = setInterval(() => {
        if (req.complete || socket.destroyed) return stop()
        if (req.readableFlowing !== true) return restart()
        if (Date.now() - since < windowMs) return
        if (socket.bytesRead - base < minBytes) { stop(); socket.destroy(); return }
        restart()
      }, Math.max(10, windowMs / 4))
      timer.unref()
      req.on('resume', restart)
      req.once('end', stop)
      req.once('close', stop)
    })
  }

  protected override async _close (): Promise<void> {
    for (const d of this.doors) d.close()
    await Promise.all(this.listening.map((listener, i) => new Promise<void>((resolve) => {
      const server = this.servers[i]
      listener.close(() => resolve())
      // Not listening itself behind a front door: close() then only stops its connection checks.
      if (listener !== server) server.close(() => { /* the listener's close above is the one awaited */ })
      server.closeAllConnections()
    })))
    this.servers.length = 0
    this.listening.length = 0
    this.doors.length = 0
  }
}
