// The card is a cap place() does not see: what is free on it, less the reserve (disk-space.ts), less what mirrors
// under way still have to write. Applied to place()'s answer with the same rules decide() applies to its own.
import type { HeldDrive, OfferedDrive, PolicySettings } from './mirror-policy.js'
import type { PlacementDecision } from './region-placement.js'

export interface CardInput {
  settings: PolicySettings
  /** Library drives held (the release drive left out: it is outside the caps). */
  held: HeldDrive[]
  offered: OfferedDrive[]
  /** Free bytes on the card now (null: unknown, the card is not a cap). */
  freeBytes: number | null
}

/** What a held drive has still to write to the card. */
function pending (d: HeldDrive): number { return Math.max(0, Math.max(d.bytes, d.localBytes) - d.localBytes) }

export function limitToCard (decision: PlacementDecision, input: CardInput): PlacementDecision {
  const free = input.freeBytes
  if (free === null) return decision
  const reserve = input.settings.reserveBytes ?? 0
  const out: PlacementDecision = { mirror: [], evict: [], skipped: [...decision.skipped], elsewhere: decision.elsewhere }
  // On a (nearly) full card the metadata may have arrived and failed to be written: that is not "no-metadata".
  for (const e of decision.evict) if (!(e.reason === 'no-metadata' && free < reserve)) out.evict.push(e)
  const evicted = new Set(out.evict.map(e => e.key))
  let stillToWrite = input.held.filter(d => !evicted.has(d.key)).reduce((n, d) => n + pending(d), 0)
  // Mirrors under way that the card can no longer hold: stop the least recently used before the storage engine
  // meets a full disk, which it does not survive. One under way is stopped only once it would eat half the reserve.
  const evictable = input.held.filter(d => !d.own && !d.pinned && !d.followed && !evicted.has(d.key)).sort((a, b) => a.lastUsed - b.lastUsed)
  for (const d of evictable) {
    if (free - reserve / 2 - stillToWrite >= 0) break
    if (pending(d) === 0) continue
    out.evict.push({ key: d.key, reason: 'no-space', disk: true })
    stillToWrite -= pending(d)
  }
  // A new drive must fit beside the whole reserve.
  const bytes = new Map(input.offered.map(o => [o.key, o.bytes]))
  for (const key of decision.mirror) {
    const b = bytes.get(key) ?? 0
    if (b > free - reserve - stillToWrite) { out.skipped.push({ key, reason: 'no-space' }); continue }
    out.mirror.push(key)
    stillToWrite += b
  }
  return out
}
