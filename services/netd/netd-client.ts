// What the admin page uses for Wi-Fi: the same four operations as NetdServer, one connection per request
// (systemd may have stopped an idle netd in between, and starts it again when we connect: see LineClient).
import { PortalError, WIFI_FAILED, WIFI_UNAVAILABLE, type ErrorCode, type ErrorDetails } from '../errors.js'
import type { WifiJoin, WifiNetwork } from '../wifi/wifi-adapter.js'
import { plainDetails, type NetdReply, type NetdRequest, type NetdStatus } from './parse-netd-request.js'
import { Resource } from '../lifecycle/resource.js'
import { LineClient } from '../line-socket/line-client.js'

/** Where p2p-portal-netd.socket listens on the appliance image (ListenStream=; a unit test holds the two together). */
export const DEFAULT_NETD_SOCKET = '/run/p2p-portal/netd.sock'

const MISSING = 'Wi-Fi settings need the p2p-portal-netd service (present on the appliance image).'
// Codes netd sends; anything else from the wire is reported as a plain Wi-Fi failure.
const CODES: readonly ErrorCode[] = ['BAD_REQUEST', 'WIFI_UNAVAILABLE', 'WIFI_FAILED']

export interface NetdClientOptions {
  path?: string
  /**
   * Longest wait for one reply. A join that fails waits for the radio twice (the network, 45 s, then the
   * hotspot coming back), so this is long.
   */
  timeoutMs?: number
}

export class NetdClient extends Resource {
  readonly path: string
  private readonly timeoutMs: number
  private readonly line: LineClient

  constructor (opts: NetdClientOptions = {}) {
    super()
    this.path = opts.path ?? DEFAULT_NETD_SOCKET
    this.timeoutMs = opts.timeoutMs ?? 150_000
    this.line = new LineClient(this.path, {
      closed: () => WIFI_FAILED('The Wi-Fi client is closed.', { reason: 'netdShuttingDown' }),
      abandoned: () => WIFI_FAILED('The Wi-Fi request was abandoned: the portal is shutting down.', { reason: 'netdShuttingDown' }),
      timeout: (seconds) => WIFI_FAILED(`p2p-portal-netd did not answer within ${seconds} s.`, { reason: 'netdTimeout', seconds }),
      oversized: () => WIFI_FAILED('p2p-portal-netd sent an oversized reply.', { reason: 'netdBadReply' }),
      notJson: () => WIFI_FAILED('p2p-portal-netd sent a reply that is not JSON.', { reason: 'netdBadReply' }),
      hungUp: () => WIFI_FAILED('p2p-portal-netd closed the connection without answering.', { reason: 'netdClosed' }),
      connect: connectError
    })
  }

  /** Abandons requests in flight (their replies are dropped; netd still finishes the change). */
  protected override async _close (): Promise<void> {
    await this.line.close()
  }

  async status (): Promise<NetdStatus> {
    const res = await this.request({ op: 'status' })
    return { available: res.available === true, current: res.current ?? null }
  }

  async scan (): Promise<WifiNetwork[]> {
    const res = await this.request({ op: 'scan' })
    if (!Array.isArray(res.networks)) throw WIFI_FAILED('p2p-portal-netd sent a scan reply without networks.', { reason: 'netdBadReply' })
    return res.networks
  }

  async join (req: WifiJoin): Promise<void> {
    await this.request({ op: 'join', ssid: req.ssid, ...password(req) })
  }

  async setHotspot (req: WifiJoin): Promise<void> {
    await this.request({ op: 'hotspot', ssid: req.ssid, ...password(req) })
  }

  private async request (req: NetdRequest): Promise<Extract<NetdReply, { ok: true }>> {
    const res = await this.line.request(req, this.timeoutMs) as NetdReply | undefined
    if (res === undefined || typeof res !== 'object' || res === null) {
      throw WIFI_FAILED('p2p-portal-netd sent a reply that is not a JSON object.', { reason: 'netdBadReply' })
    }
    if (res.ok === true) return res
    const code = CODES.includes(res.code as ErrorCode) ? res.code as ErrorCode : 'WIFI_FAILED'
    throw new PortalError(code, String(res.message ?? 'p2p-portal-netd refused the request.'), plainDetails(res.details) as ErrorDetails)
  }
}

function password (req: WifiJoin): { password?: string } {
  return req.password === undefined ? {} : { password: req.password }
}

function connectError (err: NodeJS.ErrnoException, path: string): Error {
  // No socket file: not the appliance image (or netd not installed). Refused: the socket is there, nobody listens.
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return WIFI_UNAVAILABLE(MISSING, { reason: 'netdMissing' })
  if (err.code === 'EACCES') {
    return WIFI_UNAVAILABLE(`The portal may not use ${path} (permission denied): run it as the user or group that p2p-portal-netd.socket allows.`, { reason: 'netdPermission', path })
  }
  return WIFI_FAILED(`Could not reach p2p-portal-netd at ${path}: ${err.message}`, { reason: 'netdUnreachable', path, detail: err.message })
}
