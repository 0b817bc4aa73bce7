// The node's side of p2p-portal-updater's socket: one connection per request (the helper may have been
// restarted in between). Replies are parsed defensively, though the helper is the more trusted side.
import { Resource } from '../lifecycle/resource.js'
import { LineClient } from '../line-socket/line-client.js'
import { BAD_REQUEST } from '../errors.js'
import { UpdateError, type UpdateErrorCode } from './update-error.js'
import type { UpdaterReply, UpdaterRequest, UpdaterStatus } from './parse-updater-request.js'

/** Where p2p-portal-updater.socket listens on the appliance image. */
export const DEFAULT_UPDATER_SOCKET = '/run/p2p-portal/updater.sock'
const CODES: readonly string[] = [
  'RELEASE_WRONG_KEY', 'RELEASE_TAMPERED', 'RELEASE_BAD_SIGNATURE', 'RELEASE_DOWNGRADE', 'RELEASE_TOO_OLD', 'RELEASE_TRUNCATED',
  'RELEASE_BAD_MANIFEST', 'RELEASE_NOT_FOUND', 'RELEASE_MARKED_BAD', 'RELEASE_NOT_READY', 'INSTALL_FAILED', 'NO_PREVIOUS_VERSION',
  'NOTHING_OFFERED', 'UPDATE_BUSY'
] satisfies UpdateErrorCode[]

export interface UpdaterClientOptions {
  path?: string
  /** Longest wait for one reply. */
  timeoutMs?: number
  /**
   * Longest wait for the reply to an offer: the helper hashes the whole release before it answers (seconds on a Pi,
   * minutes under emulation). Asking again after a shorter wait only starts the same work over, so it never ends.
   */
  offerTimeoutMs?: number
}

export class UpdaterClient extends Resource {
  readonly path: string
  private readonly timeoutMs: number
  private readonly offerTimeoutMs: number
  private readonly line: LineClient

  constructor (opts: UpdaterClientOptions = {}) {
    super()
    this.path = opts.path ?? DEFAULT_UPDATER_SOCKET
    this.timeoutMs = opts.timeoutMs ?? 120_000
    this.offerTimeoutMs = opts.offerTimeoutMs ?? 30 * 60_000
    this.line = new LineClient(this.path, {
      closed: () => new UpdateError('UPDATER_UNAVAILABLE', 'The update helper client is closed.'),
      abandoned: () => new UpdateError('UPDATER_UNAVAILABLE', 'The request to the update helper was abandoned: the portal is shutting down.'),
      timeout: (seconds) => new UpdateError('UPDATER_UNAVAILABLE', `p2p-portal-updater did not answer within ${seconds} s.`),
      oversized: () => new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent an oversized reply.'),
      notJson: () => new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent a reply that is not JSON.'),
      hungUp: () => new UpdateError('UPDATER_UNAVAILABLE', 'p2p-portal-updater closed the connection without answering.'),
      connect: connectError
    })
  }

  protected override async _close (): Promise<void> {
    await this.line.close()
  }

  async status (): Promise<UpdaterStatus> {
    return statusOf(await this.request({ op: 'status' }))
  }

  /** Hands over a bundle in the spool folder; the helper verifies it before it answers. */
  async offer (path: string): Promise<UpdaterStatus> {
    return statusOf(await this.request({ op: 'offer', path }, this.offerTimeoutMs))
  }

  /** Starts installing the offered release; resolves once it is past its checks, long before it ends. */
  async install (version?: string): Promise<string> {
    const res = await this.request(version === undefined ? { op: 'install' } : { op: 'install', version })
    return String(res.version)
  }

  async goBack (): Promise<string> {
    return String((await this.request({ op: 'go-back' })).version)
  }

  async forget (): Promise<void> {
    await this.request({ op: 'forget' })
  }

  private async request (req: UpdaterRequest, timeoutMs = this.timeoutMs): Promise<Extract<UpdaterReply, { ok: true }>> {
    const res = await this.line.request(req, timeoutMs)
    if (typeof res !== 'object' || res === null) throw new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent a reply that is not a JSON object.')
    const r = res as Record<string, unknown>
    if (r.ok === true) return r as Extract<UpdaterReply, { ok: true }>
    const message = String(r.message ?? 'p2p-portal-updater refused the request.')
    // The helper refuses only requests this node built wrongly (a version mismatch between the two): its
    // English message goes to the journal, the page says the helper did not understand.
    if (r.code === 'BAD_REQUEST') throw BAD_REQUEST(message, { reason: 'updaterBadRequest' })
    throw new UpdateError(CODES.includes(String(r.code)) ? r.code as UpdateErrorCode : 'INSTALL_FAILED', message)
  }
}

function statusOf (r: Partial<UpdaterStatus>): UpdaterStatus {
  return {
    current: r.current ?? null,
    previous: r.previous ?? null,
    offered: r.offered ?? null,
    step: r.step ?? null,
    bad: r.bad ?? {},
    history: Array.isArray(r.history) ? r.history : []
  }
}

function connectError (err: NodeJS.ErrnoException, path: string): Error {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return new UpdateError('UPDATER_UNAVAILABLE', `The update helper (p2p-portal-updater) is not listening on ${path}.`)
  if (err.code === 'EACCES') return new UpdateError('UPDATER_UNAVAILABLE', `The portal may not use ${path} (permission denied): run it as the user or group that p2p-portal-updater.socket allows.`)
  return new UpdateError('UPDATER_UNAVAILABLE', `Could not reach p2p-portal-updater at ${path}: ${err.message}`)
}
