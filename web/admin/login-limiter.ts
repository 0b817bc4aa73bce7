// Failed logins are counted per client address and for the whole node, in a sliding window. Guessing is slow
// either way: scrypt costs tens of milliseconds per try on a Pi, and the limits cap tries per hour.
import { RATE_LIMITED } from '../../services/errors.js'

export interface LoginLimiterOptions {
  perClient?: number
  total?: number
  windowMs?: number
  now?: () => number
}

const MAX_CLIENTS = 10_000

export class LoginLimiter {
  private readonly perClient: number
  private readonly total: number
  private readonly windowMs: number
  private readonly now: () => number
  private readonly failures = new Map<string, number[]>()
  private all: number[] = []

  constructor (opts: LoginLimiterOptions = {}) {
    this.perClient = opts.perClient ?? 5
    this.total = opts.total ?? 30
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.now = opts.now ?? Date.now
  }

  /**
   * Throws RATE_LIMITED when this client (or, unless it is the node itself, anyone) failed too often lately.
   * The node's own console is exempt from the node-wide limit, so strangers cannot lock the organiser out.
   */
  check (ip: string, local = false): void {
    const now = this.now()
    const mine = this.recent(this.failures.get(ip) ?? [], now)
    if (mine.length >= this.perClient) {
      throw RATE_LIMITED(`Too many failed logins from this device. Wait ${minutes(mine[0] + this.windowMs - now)} and try again.`, { retryAfterMs: mine[0] + this.windowMs - now })
    }
    this.all = this.recent(this.all, now)
    if (!local && this.all.length >= this.total) {
      throw RATE_LIMITED(`Too many failed logins on this node. Wait ${minutes(this.all[0] + this.windowMs - now)}, or log in on the node itself.`, { retryAfterMs: this.all[0] + this.windowMs - now })
    }
  }

  failed (ip: string): void {
    const now = this.now()
    if (!this.failures.has(ip) && this.failures.size >= MAX_CLIENTS) this.sweep(now)
    this.failures.set(ip, [...this.recent(this.failures.get(ip) ?? [], now), now])
    this.all.push(now)
  }

  succeeded (ip: string): void {
    this.failures.delete(ip)
  }

  private recent (times: number[], now: number): number[] {
    return times.filter(t => t > now - this.windowMs)
  }

  private sweep (now: number): void {
    for (const [ip, times] of this.failures) if (this.recent(times, now).length === 0) this.failures.delete(ip)
    // Still full of active addresses: forget the oldest rather than grow without bound.
    while (this.failures.size >= MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!)
  }
}

function minutes (ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000))
  return m === 1 ? '1 minute' : `${m} minutes`
}
