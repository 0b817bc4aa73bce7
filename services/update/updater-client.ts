// The node's side of p2p-portal-updater's socket: one connection per request (the helper may have been
// restarted in between). Replies are parsed defensively, though the helper is the more trusted side.
import net from 'node:net'
import { Resource } from '../lifecycle/resource.js'
import { BAD_REQUEST } from '../errors.js'
import { UpdateError, type UpdateErrorCode } from './update-error.js'
import type { UpdaterReply, UpdaterRequest, UpdaterStatus } from './parse-updater-request.js'

/** Where p2p-portal-updater.socket listens on the appliance image. */
export const DEFAULT_UPDATER_SOCKET = '/run/p2p-portal/updater.sock'
const MAX_REPLY_BYTES = 1024 * 1024
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
  private readonly pending = new Set<net.Socket>()

  constructor (opts: UpdaterClientOptions = {}) {
    super()
    this.path = opts.path ?? DEFAULT_UPDATER_SOCKET
    this.timeoutMs = opts.timeoutMs ?? 120_000
    this.offerTimeoutMs = opts.offerTimeoutMs ?? 30 * 60_000
  }

  protected override async _close (): Promise<void> {
    for (const socket of this.pending) socket.destroy(new UpdateError('UPDATER_UNAVAILABLE', 'The request to the update helper was abandoned: the portal is shutting down.'))
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

  private request (req: UpdaterRequest, timeoutMs = this.timeoutMs): Promise<Extract<UpdaterReply, { ok: true }>> {
    if (this.isClosing) return Promise.reject(new UpdateError('UPDATER_UNAVAILABLE', 'The update helper client is closed.'))
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.path)
      let received = Buffer.alloc(0)
      let settled = false
      const settle = (err: Error | null, res?: unknown) => {
        if (settled) return
        settled = true
        this.pending.delete(socket)
        socket.destroy()
        if (err !== null) return reject(err)
        if (typeof res !== 'object' || res === null) return reject(new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent a reply that is not a JSON object.'))
        const r = res as Record<string, unknown>
        if (r.ok === true) return resolve(r as Extract<UpdaterReply, { ok: true }>)
        const message = String(r.message ?? 'p2p-portal-updater refused the request.')
        // The helper refuses only requests this node built wrongly (a version mismatch between the two): its
        // English message goes to the journal, the page says the helper did not understand.
        if (r.code === 'BAD_REQUEST') return reject(BAD_REQUEST(message, { reason: 'updaterBadRequest' }))
        reject(new UpdateError(CODES.includes(String(r.code)) ? r.code as UpdateErrorCode : 'INSTALL_FAILED', message))
      }
      this.pending.add(socket)
      socket.setTimeout(timeoutMs, () => settle(new UpdateError('UPDATER_UNAVAILABLE', `p2p-portal-updater did not answer within ${Math.round(timeoutMs / 1000)} s.`)))
      socket.on('connect', () => socket.write(JSON.stringify(req) + '\n'))
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        const end = received.indexOf(0x0a)
        if (end === -1) {
          if (received.length > MAX_REPLY_BYTES) settle(new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent an oversized reply.'))
          return
        }
        let res: unknown
        try {
          res = JSON.parse(received.subarray(0, end).toString('utf8'))
        } catch {
          return settle(new UpdateError('INSTALL_FAILED', 'p2p-portal-updater sent a reply that is not JSON.'))
        }
        settle(null, res)
      })
      socket.on('error', (err: NodeJS.ErrnoException) => settle(connectError(err, this.path)))
      socket.on('close', () => settle(new UpdateError('UPDATER_UNAVAILABLE', 'p2p-portal-updater closed the connection without answering.')))
    })
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
  if (err instanceof UpdateError) return err
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return new UpdateError('UPDATER_UNAVAILABLE', `The update helper (p2p-portal-updater) is not listening on ${path}.`)
  if (err.code === 'EACCES') return new UpdateError('UPDATER_UNAVAILABLE', `The portal may not use ${path} (permission denied): run it as the user or group that p2p-portal-updater.socket allows.`)
  return new UpdateError('UPDATER_UNAVAILABLE', `Could not reach p2p-portal-updater at ${path}: ${err.message}`)
}
