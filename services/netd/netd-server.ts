// The privileged side of Wi-Fi settings. The portal process faces anonymous phones and holds no network rights;
// it asks this small root helper, over a unix socket, for exactly four things: status, scan, join, hotspot.
// On the appliance systemd owns the socket (p2p-portal-netd.socket) and starts us on the first connection, so
// we exit after a quiet spell and cost no memory on a 512 MB Pi while nobody changes Wi-Fi settings.
import { BAD_REQUEST, WIFI_FAILED, isPortalError } from '../errors.js'
import { logger } from '../log.js'
import { WifiAdapter } from '../wifi/wifi-adapter.js'
import { parseNetdRequest, plainDetails, type NetdReply, type NetdRequest } from './parse-netd-request.js'
import { Resource } from '../lifecycle/resource.js'
import { LineServer } from '../line-socket/line-server.js'

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
  private readonly line: LineServer

  constructor (opts: NetdServerOptions) {
    super()
    this.wifi = opts.wifi ?? new WifiAdapter()
    this.line = new LineServer('NetdServer', {
      who: 'p2p-portal-netd',
      log,
      answer: (line) => this.handle(line),
      tooLong: (max) => failure(BAD_REQUEST(`The request line is longer than ${max} bytes.`, { reason: 'netdBadRequest' })),
      path: opts.path,
      fd: opts.fd,
      idleTimeoutMs: opts.idleTimeoutMs,
      maxLineBytes: opts.maxLineBytes,
      requestTimeoutMs: opts.requestTimeoutMs,
      // An nmcli change in progress is left to finish: stopping halfway could leave the radio with no profile up.
      finishAnswersOnClose: true
    })
    this.line.on('idle', () => {
      this.close().then(() => this.emit('idle'), (err: Error) => this.emit('error', err))
    })
    this.line.on('error', (err: Error) => this.emit('error', err))
  }

  protected override async _open (): Promise<void> {
    await this.line.open()
  }

  protected override async _close (): Promise<void> {
    await this.line.close()
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
}

function failure (err: unknown): NetdReply {
  const e = isPortalError(err) ? err : WIFI_FAILED('p2p-portal-netd hit an internal error; see its journal.', { reason: 'netdInternal' })
  return { ok: false, code: e.code, message: e.message, details: plainDetails(e.details) }
}
