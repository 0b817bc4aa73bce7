// Which offered drives to mirror and which held drives to evict: a pure function of what is held, what peers
// offer and the caps, so every rule is tested in memory.

export interface HeldDrive {
  key: string
  own: boolean
  pinned: boolean
  followed: boolean
  /** Size of the latest version (0 while unknown). */
  bytes: number
  localBytes: number
  lastUsed: number
  /** Metadata has arrived, so `bytes` is the verified size. */
  known: boolean
  addedAt: number
  /** The release drive: the node's own updates, outside the caps and never evicted. */
  system?: boolean
}

export interface OfferedDrive { key: string, bytes: number, peers: number }

export interface PolicySettings {
  mirror: 'all' | 'followed'
  maxDriveBytes: number
  maxTotalBytes: number
  deny: string[]
  follow: string[]
  /** How long an unknown drive may wait for its metadata before it is dropped. */
  probeTimeoutMs: number
  /** At most this many drives may be waiting for metadata at once (a hostile peer can offer thousands). */
  maxProbing: number
  /** Free space on the card that mirrors never use (see disk-space.ts); 0 when unset. */
  reserveBytes?: number
}

export type SkipReason = 'blocked' | 'denied' | 'not-followed' | 'too-large' | 'no-space' | 'cooling-down' | 'probe-limit'

export interface PolicyDecision {
  mirror: string[]
  /** `disk`: evicted because the card itself is full, not the cap (no cool-down: free space decides). */
  evict: Array<{ key: string, reason: 'too-large' | 'no-space' | 'no-metadata', disk?: boolean }>
  skipped: Array<{ key: string, reason: SkipReason }>
}

export interface PolicyInput {
  settings: PolicySettings
  held: HeldDrive[]
  offered: OfferedDrive[]
  blocked: string[]
  /** Drives evicted recently: not taken again for a while, or two drives would evict each other forever. */
  coolingDown: Set<string>
  now: number
  /** Free bytes on the card now (null or absent: unknown, the card is not a cap). */
  freeBytes?: number | null
}

/** Space a held drive is charged: what it will hold once complete, or what it already holds if that is more. */
function charge (d: HeldDrive): number { return Math.max(d.bytes, d.localBytes) }

/** What a held drive has still to write to the card. */
function pending (d: HeldDrive): number { return Math.max(0, charge(d) - d.localBytes) }

export function decide (input: PolicyInput): PolicyDecision {
  const { settings: s, now } = input
  const decision: PolicyDecision = { mirror: [], evict: [], skipped: [] }
  // System drives are not library content: they neither count toward the caps nor can be evicted.
  const held = new Map(input.held.filter(d => d.system !== true).map(d => [d.key, d]))
  const system = new Set(input.held.filter(d => d.system === true).map(d => d.key))
  const blocked = new Set(input.blocked)
  const deny = new Set(s.deny)
  const follow = new Set(s.follow)
  const evicted = new Set<string>()
  const taken = new Set<string>()
  const evictable = () => [...held.values()]
    .filter(d => !d.own && !d.pinned && !d.followed && !evicted.has(d.key) && !taken.has(d.key))
    .sort((a, b) => a.lastUsed - b.lastUsed)
  const evict = (d: HeldDrive, reason: PolicyDecision['evict'][number]['reason'], disk = false) => {
    evicted.add(d.key)
    decision.evict.push(disk ? { key: d.key, reason, disk } : { key: d.key, reason })
  }
  const used = () => [...held.values()].filter(d => !evicted.has(d.key)).reduce((n, d) => n + charge(d), 0)
  // The card is a cap like the others: what is free on it, less the reserve, less what mirrors under way still
  // have to write. An eviction is not counted as freeing space: the store gives space back only later.
  const reserve = s.reserveBytes ?? 0
  const free = input.freeBytes ?? null
  const stillToWrite = () => [...held.values()].filter(d => !evicted.has(d.key)).reduce((n, d) => n + pending(d), 0)
  // A new drive must fit beside the whole reserve; one under way is stopped only once it would eat half of it.
  const cardRoom = () => free === null ? Infinity : free - reserve - stillToWrite()
  const cardShort = () => free !== null && free - reserve / 2 - stillToWrite() < 0

  // Held drives that broke a rule since they were taken: grew past the per-drive cap, or never showed metadata.
  let probing = 0
  for (const d of held.values()) {
    if (d.own || d.pinned || d.followed) continue
    if (d.known && d.bytes > s.maxDriveBytes) evict(d, 'too-large')
    // On a (nearly) full card the metadata may have arrived and failed to be written: that is not "no-metadata".
    else if (!d.known && now - d.addedAt > s.probeTimeoutMs && !(free !== null && free < reserve)) evict(d, 'no-metadata')
    else if (!d.known) probing++
  }
  // The total shrank below what is held (cap lowered, drives grew): evict least recently used until it fits.
  for (const d of evictable()) {
    if (used() <= s.maxTotalBytes) break
    evict(d, 'no-space')
  }
  // Mirrors under way that the card can no longer hold (it filled from elsewhere, a drive grew): stop the least
  // recently used before the storage engine meets a full disk, which it does not survive.
  for (const d of evictable()) {
    if (!cardShort()) break
    if (pending(d) > 0) evict(d, 'no-space', true)
  }

  // Followed drives first, then the ones most peers hold (most likely real and wanted), then the smaller.
  const offers = [...input.offered].sort((a, b) =>
    Number(follow.has(b.key)) - Number(follow.has(a.key)) || b.peers - a.peers || a.bytes - b.bytes)
  for (const o of offers) {
    if (held.has(o.key) || system.has(o.key)) continue
    const followed = follow.has(o.key)
    const skip = (reason: SkipReason) => decision.skipped.push({ key: o.key, reason })
    if (blocked.has(o.key)) { skip('blocked'); continue }
    if (deny.has(o.key)) { skip('denied'); continue }
    if (s.mirror === 'followed' && !followed) { skip('not-followed'); continue }
    if (o.bytes > s.maxDriveBytes) { skip('too-large'); continue }
    if (!followed && input.coolingDown.has(o.key)) { skip('cooling-down'); continue }
    if (probing >= s.maxProbing) { skip('probe-limit'); continue }
    if (o.bytes > cardRoom()) { skip('no-space'); continue }
    let free = s.maxTotalBytes - used()
    if (o.bytes > free) {
      const candidates = evictable()
      const reclaimable = candidates.reduce((n, d) => n + charge(d), 0)
      if (o.bytes > free + reclaimable) { skip('no-space'); continue }
      for (const d of candidates) {
        if (o.bytes <= free) break
        evict(d, 'no-space')
        free += charge(d)
      }
    }
    decision.mirror.push(o.key)
    taken.add(o.key)
    // Until its metadata arrives the claimed size is all we know; it is re-checked once verified.
    held.set(o.key, { key: o.key, own: false, pinned: false, followed, bytes: o.bytes, localBytes: 0, lastUsed: now, known: false, addedAt: now })
    probing++
  }
  return decision
}
