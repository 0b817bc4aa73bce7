// Failed logins are counted per client address, in a sliding window; the whole node is locked only by a real
// flood (many failures from many addresses), and for less time, so that no one phone can keep the organiser
// out. Guessing is slow either way: scrypt costs tens of milliseconds per try on a Pi, and the limits cap tries
// per hour.
import { RATE_LIMITED } from '../../services/errors.js'

export interface LoginLimiterOptions {
  /** Failures one address may have in `windowMs`. */
  perClient?: number
  windowMs?: number
  /** A flood: at least `total` failures from at least `floodClients` addresses within `nodeWindowMs`. */
  total?: number
  floodClients?: number
  nodeWindowMs?: number
  now?: () => number
}

const MAX_CLIENTS = 10_000

export class LoginLimiter {
  private readonly perClient: number
  private readonly total: number
  private readonly floodClients: number
  private readonly windowMs: number
  private readonly nodeWindowMs: number
  private readonly now: () => number
  private readonly failures = new Map<string, number[]>()
  private all: Array<{ t: number, ip: string }> = []

  constructor (opts: LoginLimiterOptions = {}) {
    this.perClient = opts.perClient ?? 5
    this.total = opts.total ?? 50
    this.floodClients = opts.floodClients ?? 10
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.nodeWindowMs = opts.nodeWindowMs ?? Math.min(this.windowMs, 5 * 60_000)
    this.now = opts.now ?? Date.now
  }

  /**
   * Throws RATE_LIMITED when this client failed too often lately, or (unless it is the node itself) the node
   * is under a flood. The node's own console is exempt from the node-wide limit, so strangers cannot lock the
   * organiser out.
   */
  check (ip: string, local = false): void {
    const now = this.now()
    const mine = this.recent(this.failures.get(ip) ?? [], now)
    if (mine.length >= this.perClient) {
      const wait = mine[0] + this.windowMs - now
      throw RATE_LIMITED(`Too many failed logins from this device. Wait ${minutes(wait)} and try again.`, { reason: 'tooManyLoginsDevice', retryAfterMs: wait, minutes: wholeMinutes(wait) })
    }
    this.all = this.all.filter(f => f.t > now - this.nodeWindowMs)
    if (!local && this.all.length >= this.total && new Set(this.all.map(f => f.ip)).size >= this.floodClients) {
      const wait = this.all[0].t + this.nodeWindowMs - now
      throw RATE_LIMITED(`Too many failed logins on this node. Wait ${minutes(wait)}, or log in on the node itself.`, { reason: 'tooManyLoginsNode', retryAfterMs: wait, minutes: wholeMinutes(wait) })
    }
  }

  /**
   * check(), then counts the attempt as failed at once: the password check takes tens of milliseconds, and
   * attempts sent in parallel must each find the ones before them already counted. succeeded() refunds it.
   */
  attempt (ip: string, local = false): void {
    this.check(ip, local)
    this.failed(ip)
  }

  failed (ip: string): void {
    const now = this.now()
    if (!this.failures.has(ip) && this.failures.size >= MAX_CLIENTS) this.sweep(now)
    this.failures.set(ip, [...this.recent(this.failures.get(ip) ?? [], now), now])
    this.all.push({ t: now, ip })
  }

  /** The right password: this client's failures are forgotten, and its attempt no longer counts for the node. */
  succeeded (ip: string): void {
    this.failures.delete(ip)
    for (let i = this.all.length - 1; i >= 0; i--) {
      if (this.all[i].ip === ip) { this.all.splice(i, 1); break }
    }
  }

  /** Failed tries this address has before check() makes it wait: the login page tells the organiser. */
  left (ip: string): number {
    return Math.max(0, this.perClient - this.recent(this.failures.get(ip) ?? [], this.now()).length)
  }

  get pauseMinutes (): number { return Math.max(1, Math.round(this.windowMs / 60_000)) }

  private recent (times: number[], now: number): number[] {
    return times.filter(t => t > now - this.windowMs)
  }

  private sweep (now: number): void {
    for (const [ip, times] of this.failures) if (this.recent(times, now).length === 0) this.failures.delete(ip)
    // Still full of active addresses: forget the oldest rather than grow without bound.
    while (this.failures.size >= MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!)
  }
}

function wholeMinutes (ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000))
}

function minutes (ms: number): string {
  const m = wholeMinutes(ms)
  return m === 1 ? '1 minute' : `${m} minutes`
}
