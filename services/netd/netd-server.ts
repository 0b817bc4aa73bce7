// The privileged side of Wi-Fi settings. The portal process faces anonymous phones and holds no network rights;
// it asks this small root helper, over a unix socket, for exactly four things: status, scan, join, hotspot.
// On the appliance systemd owns the socket (p2p-portal-netd.socket) and starts us on the first connection, so
// we exit after a quiet spell and cost no memory on a 512 MB Pi while nobody changes Wi-Fi settings.
import net from 'node:net'
import { EventEmitter } from 'node:events'
import { BAD_REQUEST, WIFI_FAILED, isPortalError } from '../errors.js'
import { logger } from '../log.js'
import { WifiAdapter } from '../wifi/wifi-adapter.js'
import { parseNetdRequest, type NetdReply, type NetdRequest } from './parse-netd-request.js'
import { Resource } from '../lifecycle/resource.js'
import { removeStaleSocket } from './stale-socket.js'

const log = logger('netd')

export type NetdWifi = Pick<WifiAdapter, 'available' | 'scan' | 'current' | 'join' | 'setHotspot'>

export interface NetdServerOptions {
  wifi?: NetdWifi
  /** Listen on this path (tests, manual runs). */
  path?: string
  /** Or on a listening socket inherited from systemd (socket activation): its fd, 3. */
  fd?: number
  /** Close after this long with no connection and no work (then emit 'idle'); 0 = never. */
  idleTimeoutMs?: number
  /** Longest request line; anything longer is refused and its connection closed. */
  maxLineBytes?: number
  /** A client that connects and sends no complete line within this time is dropped. */
  requestTimeoutMs?: number
}

export class NetdServer extends Resource {
  private readonly wifi: NetdWifi
  private readonly path: string | null
  private readonly fd: number | null
  private readonly idleTimeoutMs: number
  private readonly maxLineBytes: number
  private readonly requestTimeoutMs: number
  // Half-open: a client such as `nc -U` ends its side right after the request and still waits for the reply.
  private readonly server = net.createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket))
  private readonly sockets = new Set<net.Socket>()
  private readonly work = new Set<Promise<void>>()
  private idleTimer: NodeJS.Timeout | null = null

  constructor (opts: NetdServerOptions) {
    super()
    if ((opts.path === undefined) === (opts.fd === undefined)) throw new Error('NetdServer needs either path or fd')
    this.wifi = opts.wifi ?? new WifiAdapter()
    this.path = opts.path ?? null
    this.fd = opts.fd ?? null
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 0
    this.maxLineBytes = opts.maxLineBytes ?? 4096
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000
  }

  protected override async _open (): Promise<void> {
    if (this.path !== null) await removeStaleSocket(this.path, 'p2p-portal-netd')
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.fd !== null ? { fd: this.fd } : { path: this.path! }, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.server.on('error', (err) => log.error(`listening socket failed: ${err.message}`))
    log.info(`listening on ${this.fd !== null ? `fd ${this.fd} (socket activation)` : this.path}`)
    this.armIdle()
  }

  protected override async _close (): Promise<void> {
    this.disarmIdle()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    // An nmcli change in progress is left to finish: stopping halfway could leave the radio with no profile up.
    await Promise.all([...this.work])
    await closed
  }

  private onConnection (socket: net.Socket): void {
    if (this.isClosing) return void socket.destroy()
    this.sockets.add(socket)
    this.disarmIdle()
    let buffered = Buffer.alloc(0)
    let queue = Promise.resolve()
    let refused = false
    socket.setTimeout(this.requestTimeoutMs, () => socket.destroy())
    socket.on('error', (err) => log.debug(`client connection: ${err.message}`))
    socket.on('end', () => {
      queue = queue.then(() => { socket.end() })
    })
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.armIdle()
    })
    socket.on('data', (chunk: Buffer) => {
      if (refused) return
      buffered = Buffer.concat([buffered, chunk])
      let end: number
      while ((end = buffered.indexOf(0x0a)) !== -1 && end <= this.maxLineBytes) {
        const line = buffered.subarray(0, end).toString('utf8')
        buffered = buffered.subarray(end + 1)
        queue = queue.then(() => this.answer(socket, line))
      }
      if (buffered.length > this.maxLineBytes || end > this.maxLineBytes) {
        // There is no telling where the next request would start: refuse, answer once, hang up.
        refused = true
        queue = queue.then(() => {
          reply(socket, failure(BAD_REQUEST(`The request line is longer than ${this.maxLineBytes} bytes.`)))
          socket.end()
        })
      }
    })
  }

  private async answer (socket: net.Socket, line: string): Promise<void> {
    socket.setTimeout(0)
    const done = this.handle(line).then((res) => reply(socket, res)).catch((err: Error) => {
      log.error(`answering failed: ${err.message}`)
    })
    this.work.add(done)
    try {
      await done
    } finally {
      this.work.delete(done)
      if (!socket.destroyed) socket.setTimeout(this.requestTimeoutMs)
      this.armIdle()
    }
  }

  private async handle (line: string): Promise<NetdReply> {
    let req: NetdRequest
    try {
      req = parseNetdRequest(line)
    } catch (err) {
      log.warn(`refused a request: ${(err as Error).message}`)
      return failure(err)
    }
    try {
      switch (req.op) {
        case 'status': {
          const available = await this.wifi.available()
          return { ok: true, available, current: available ? await this.wifi.current() : null }
        }
        case 'scan':
          return { ok: true, networks: await this.wifi.scan() }
        case 'join':
          await this.wifi.join({ ssid: req.ssid, password: req.password })
          return { ok: true }
        case 'hotspot':
          await this.wifi.setHotspot({ ssid: req.ssid, password: req.password })
          return { ok: true }
      }
    } catch (err) {
      if (!isPortalError(err)) log.error(`${req.op} failed: ${(err as Error).stack ?? String(err)}`)
      else log.warn(`${req.op} failed: ${err.message}`)
      return failure(err)
    }
  }

  private armIdle (): void {
    if (this.idleTimeoutMs === 0 || this.isClosing || this.sockets.size > 0 || this.work.size > 0) return
    this.disarmIdle()
    this.idleTimer = setTimeout(() => {
      log.info(`no requests for ${Math.round(this.idleTimeoutMs / 1000)} s: exiting until the next one`)
      this.close().then(() => this.emit('idle'), (err: Error) => this.emit('error', err))
    }, this.idleTimeoutMs)
  }

  private disarmIdle (): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }
}

function failure (err: unknown): NetdReply {
  const e = isPortalError(err) ? err : WIFI_FAILED('p2p-portal-netd hit an internal error; see its journal.')
  return { ok: false, code: e.code, message: e.message }
}

function reply (socket: net.Socket, res: NetdReply): void {
  if (socket.writable) socket.write(JSON.stringify(res) + '\n')
}
