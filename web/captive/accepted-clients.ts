// Which visitors tapped "Continue", by IP address (phones randomise their MAC per network, and the portal
// cannot see MACs anyway). Kept in memory with an expiry and a cap: a restart just shows the sheet again.
const DEFAULT_TTL_MS = 12 * 60 * 60 * 1000
const MAX_CLIENTS = 10_000

export class AcceptedClients {
  private readonly until = new Map<string, number>()

  constructor (private readonly ttlMs = DEFAULT_TTL_MS, private readonly now: () => number = Date.now) {}

  accept (ip: string): void {
    if (this.until.size >= MAX_CLIENTS) this.prune()
    // Still full of live entries: forget the oldest, not the newcomer.
    if (this.until.size >= MAX_CLIENTS) this.until.delete(this.until.keys().next().value!)
    this.until.delete(ip)
    this.until.set(ip, this.now() + this.ttlMs)
  }

  has (ip: string): boolean {
    const t = this.until.get(ip)
    if (t === undefined) return false
    if (t > this.now()) return true
    this.until.delete(ip)
    return false
  }

  private prune (): void {
    const now = this.now()
    for (const [ip, t] of this.until) if (t <= now) this.until.delete(ip)
  }
}
