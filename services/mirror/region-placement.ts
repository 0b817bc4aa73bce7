// Which offered drives to mirror and which held drives to evict when the region is one library: decide()'s
// inputs plus what the node knows of its region, decide()'s answer. Every drive should be on `copies` nodes
// besides its publisher; the nodes ranked first for a drive by rendezvous hashing take it, so the nodes agree
// without a coordinator. Beyond the target a node fills free space, and those extra copies go first.
import type { HeldDrive, PolicyDecision, PolicyInput, SkipReason, OfferedDrive } from './mirror-policy.js'
import { RegionView, type Region } from './region-view.js'
import { seedOf, weight } from './rendezvous.js'
import { CONFIG_INVALID } from '../errors.js'

export type { Region, RegionNode } from './region-view.js'

export const DEFAULT_COPIES = 2
export const MAX_COPIES = 16

export interface PlacementInput extends PolicyInput { region: Region }

export interface PlacementDecision extends PolicyDecision {
  /** Drives below target that better-ranked nodes with room will take: not this node's to fetch. */
  elsewhere: string[]
}

export function copyTarget (copies = DEFAULT_COPIES): number {
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    throw CONFIG_INVALID(`copies is ${copies}: use a whole number from 1 to ${MAX_COPIES} (default ${DEFAULT_COPIES}).`)
  }
  return copies
}

/** Space a held drive is charged: what it will hold once complete, or what it already holds if that is more. */
function charge (d: HeldDrive): number { return Math.max(d.bytes, d.localBytes) }

type EvictReason = PolicyDecision['evict'][number]['reason']

export function place (input: PlacementInput): PlacementDecision {
  const { settings: s, now } = input
  const target = copyTarget(input.region.copies)
  const decision: PlacementDecision = { mirror: [], evict: [], skipped: [], elsewhere: [] }
  const held = new Map(input.held.map(d => [d.key, d]))
  const offeredBytes = new Map(input.offered.map(o => [o.key, o.bytes]))
  const view = new RegionView(input.region, target, held, key => {
    const d = held.get(key)
    return d ? charge(d) : offeredBytes.get(key) ?? 0
  })
  const blocked = new Set(input.blocked)
  const deny = new Set(s.deny)
  const follow = new Set(s.follow)
  const evicted = new Set<string>()
  const taken = new Set<string>()
  let used = 0
  for (const d of held.values()) used += charge(d)
  // This node's room as the others see it (its catalogue's figures when the region has them, so every node
  // agrees on who is chosen), plus its copies of drives above target.
  const me = input.region.nodes.find(n => n.key === input.region.self)
  const free = me?.capBytes !== undefined && me.usedBytes !== undefined ? me.capBytes - me.usedBytes : s.maxTotalBytes - used
  const room = free + view.reclaimableBytes

  const evict = (d: HeldDrive, reason: EvictReason) => {
    evicted.add(d.key)
    used -= charge(d)
    view.dropped(d.key)
    decision.evict.push({ key: d.key, reason })
  }
  // Extra copies that are this node's to give up first, then the rest; within each, the drive with the most
  // copies in the region first, the least recently used among equals. Own, pinned and followed: never.
  // `aboveOnly`: only drives that stay at target without this copy.
  const evictable = (aboveOnly: boolean) => [...held.values()]
    .filter(d => !d.own && !d.pinned && !d.followed && !evicted.has(d.key) && !taken.has(d.key))
    .map(d => ({ d, extra: view.ownExtras.has(d.key), copies: view.copies(d.key) }))
    .filter(x => !aboveOnly || x.copies > target)
    .sort((a, b) => Number(b.extra) - Number(a.extra) || b.copies - a.copies || a.d.lastUsed - b.d.lastUsed)
    .map(x => x.d)
  /** Frees room for `bytes` from `candidates` if they can free enough, and says whether it fits. */
  const makeRoom = (bytes: number, candidates: HeldDrive[]) => {
    let free = s.maxTotalBytes - used
    if (bytes <= free) return true
    if (bytes > free + candidates.reduce((n, d) => n + charge(d), 0)) return false
    for (const d of candidates) {
      if (bytes <= free) break
      evict(d, 'no-space')
      free += charge(d)
    }
    return true
  }

  // Held drives that broke a rule since they were taken: grew past the per-drive cap, or never showed metadata.
  let probing = 0
  for (const d of held.values()) {
    if (d.own || d.pinned || d.followed) continue
    if (d.known && d.bytes > s.maxDriveBytes) evict(d, 'too-large')
    else if (!d.known && now - d.addedAt > s.probeTimeoutMs) evict(d, 'no-metadata')
    else if (!d.known) probing++
  }
  // The total shrank below what is held: give up copies, the region's last ones only when nothing else is left.
  if (used > s.maxTotalBytes) for (const d of evictable(false)) {
    if (used <= s.maxTotalBytes) break
    evict(d, 'no-space')
  }

  const followed: OfferedDrive[] = []
  const below: Array<{ o: OfferedDrive, copies: number }> = []
  const extras: OfferedDrive[] = []
  for (const o of input.offered) {
    if (held.has(o.key)) continue
    const skip = (reason: SkipReason) => decision.skipped.push({ key: o.key, reason })
    if (blocked.has(o.key)) skip('blocked')
    else if (deny.has(o.key)) skip('denied')
    else if (follow.has(o.key)) (o.bytes > s.maxDriveBytes ? skip('too-large') : followed.push(o))
    else if (s.mirror === 'followed') skip('not-followed')
    else if (o.bytes > s.maxDriveBytes) skip('too-large')
    else {
      const copies = view.copies(o.key)
      if (copies < target) below.push({ o, copies })
      else extras.push(o)
    }
  }

  const take = (o: OfferedDrive, isFollowed: boolean) => {
    decision.mirror.push(o.key)
    taken.add(o.key)
    used += o.bytes
    view.added(o.key)
    probing++
    // Until its metadata arrives the claimed size is all we know; it is re-checked once verified.
    held.set(o.key, { key: o.key, own: false, pinned: false, followed: isFollowed, bytes: o.bytes, localBytes: 0, lastUsed: now, known: false, addedAt: now })
  }

  // Followed drives first: the organiser asked for them, so they may take any copy's place, even one at target.
  for (const o of followed) {
    if (probing >= s.maxProbing) decision.skipped.push({ key: o.key, reason: 'probe-limit' })
    else if (!makeRoom(o.bytes, evictable(false))) decision.skipped.push({ key: o.key, reason: 'no-space' })
    else take(o, true)
  }

  // Below target, rarest first. Not cooled down: taking one gives up only copies above target, which stay at it,
  // so it cannot start two drives evicting each other; and the others, ranking this node first, would wait.
  below.sort((a, b) => a.copies - b.copies || a.o.bytes - b.o.bytes || (a.o.key < b.o.key ? -1 : 1))
  for (const { o } of below) {
    if (room < o.bytes) decision.skipped.push({ key: o.key, reason: 'no-space' })
    else if (!view.chosen(o.key, o.bytes)) decision.elsewhere.push(o.key)
    else if (probing >= s.maxProbing) decision.skipped.push({ key: o.key, reason: 'probe-limit' })
    else if (!makeRoom(o.bytes, evictable(true))) decision.skipped.push({ key: o.key, reason: 'no-space' })
    else take(o, false)
  }

  // Extra copies only into space that is free now: evicting for one would evict and fetch in circles.
  // Fewest copies first, then this node's own rendezvous order, so nodes with room spread over different drives.
  const fits = extras.filter(o => o.bytes <= s.maxTotalBytes - used)
  for (const o of extras) if (o.bytes > s.maxTotalBytes - used) decision.skipped.push({ key: o.key, reason: 'no-space' })
  const self = seedOf(input.region.self)
  const order = fits.map(o => ({ o, copies: view.copies(o.key), w: weight(seedOf(o.key), self) }))
    .sort((a, b) => a.copies - b.copies || b.w - a.w)
  for (const { o } of order) {
    if (input.coolingDown.has(o.key)) decision.skipped.push({ key: o.key, reason: 'cooling-down' })
    else if (probing >= s.maxProbing) decision.skipped.push({ key: o.key, reason: 'probe-limit' })
    else if (o.bytes > s.maxTotalBytes - used) decision.skipped.push({ key: o.key, reason: 'no-space' })
    else take(o, false)
  }
  return decision
}
