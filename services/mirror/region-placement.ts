// Which offered drives to mirror and which held drives to evict when the region is one library: decide()'s
// inputs plus what the node knows of its region, decide()'s answer. Every drive should be on `copies` nodes
// besides its publisher; the nodes ranked first for a drive by rendezvous hashing take it, so the nodes agree
// without a coordinator. Beyond the target a node fills free space, and those extra copies go first.
import { decide, type HeldDrive, type PolicyDecision, type PolicyInput, type SkipReason, type OfferedDrive } from './mirror-policy.js'
import { RegionView, type Region } from './region-view.js'
import { indexRegion, type RegionIndex } from './region-index.js'
import { seedOf, weight } from './rendezvous.js'
import { CONFIG_INVALID } from '../errors.js'

export type { Region, RegionNode } from './region-view.js'
export { indexRegion, type RegionIndex } from './region-index.js'

export const DEFAULT_COPIES = 2
export const MAX_COPIES = 16

export interface PlacementInput extends PolicyInput {
  region: Region
  /**
   * indexRegion() of this same snapshot, when the caller has it already (a simulation of many nodes builds it
   * once per round). Without it, place() builds it from `region`, `offered` and `held`.
   */
  index?: RegionIndex
}

export interface PlacementDecision extends PolicyDecision {
  /**
   * Drives this node leaves to the region: below target but better-ranked nodes with room take them, or at
   * target with no free space here for an extra copy. Not in `skipped`: nothing is wrong with them.
   */
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

function ownIndex (input: PlacementInput, target: number, held: ReadonlyMap<string, HeldDrive>): RegionIndex {
  const offered = new Map(input.offered.map(o => [o.key, o.bytes]))
  const bytesOf = (key: string) => {
    const d = held.get(key)
    return d ? charge(d) : offered.get(key) ?? 0
  }
  return indexRegion(input.region, target, bytesOf, held)
}

/**
 * True when, for every drive, no node but this one and the drive's publisher is there to hold a copy: none
 * connected, and none holding it (a holder that left counts during its grace period).
 */
export function alone (region: Region, drives: Iterable<string>): boolean {
  const other = (key: string, node: string) => node !== region.self && node !== region.publisher.get(key)
  for (const key of drives) {
    if (region.nodes.some(n => other(key, n.key))) return false
    for (const node of region.holders.get(key) ?? []) if (other(key, node)) return false
  }
  return true
}

export function place (input: PlacementInput): PlacementDecision {
  const { settings: s, now } = input
  const target = copyTarget(input.region.copies)
  // A node that is the only place besides their publishers any of these drives can go has no region to share
  // with: each copy it drops is the LAN's only one either way, so it keeps what visitors used last (LRU).
  if (alone(input.region, [...input.held.map(d => d.key), ...input.offered.map(o => o.key)])) return { ...decide(input), elsewhere: [] }
  const decision: PlacementDecision = { mirror: [], evict: [], skipped: [], elsewhere: [] }
  const held = new Map(input.held.map(d => [d.key, d]))
  const view = new RegionView(input.region, input.index ?? ownIndex(input, target, held))
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
  const room = free + view.spareBytes

  const evict = (d: HeldDrive, reason: EvictReason) => {
    evicted.add(d.key)
    used -= charge(d)
    view.dropped(d.key)
    decision.evict.push({ key: d.key, reason })
  }
  // The extra copies that are this node's to give up first, then (only when `extrasOnly` is false) the rest;
  // within each, the drive with the most copies in the region first, the least recently used among equals.
  // Own, pinned and followed drives: never.
  const evictable = (extrasOnly: boolean) => [...held.values()]
    .filter(d => !d.own && !d.pinned && !d.followed && !evicted.has(d.key) && !taken.has(d.key))
    .map(d => ({ d, extra: view.ownExtras.has(d.key), copies: view.copies(d.key) }))
    .filter(x => !extrasOnly || x.extra)
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

  // Runs over every drive the LAN offers, on every node: kept to lookups, with no allocation per drive.
  const skip = (key: string, reason: SkipReason) => { decision.skipped.push({ key, reason }) }
  const followed: OfferedDrive[] = []
  const below: Array<{ o: OfferedDrive, copies: number }> = []
  const extras: OfferedDrive[] = []
  const freeNow = s.maxTotalBytes - used
  for (const o of input.offered) {
    const key = o.key
    if (held.has(key)) continue
    if (blocked.size > 0 && blocked.has(key)) skip(key, 'blocked')
    else if (deny.size > 0 && deny.has(key)) skip(key, 'denied')
    else if (follow.size > 0 && follow.has(key)) { if (o.bytes > s.maxDriveBytes) skip(key, 'too-large'); else followed.push(o) }
    else if (s.mirror === 'followed') skip(key, 'not-followed')
    else if (o.bytes > s.maxDriveBytes) skip(key, 'too-large')
    else {
      const copies = view.copies(key)
      if (copies < target) below.push({ o, copies })
      // At target, and no free space for an extra copy: the region has it, this node has no business with it.
      else if (o.bytes > freeNow) decision.elsewhere.push(key)
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
    if (probing >= s.maxProbing) skip(o.key, 'probe-limit')
    else if (!makeRoom(o.bytes, evictable(false))) skip(o.key, 'no-space')
    else take(o, true)
  }

  // Below target, rarest first. Not cooled down: taking one gives up only extra copies, which leave their drives
  // at target, so it cannot start two drives evicting each other; and the others, ranking this node first, would wait.
  // Whether this node is chosen depends only on the review's start, so it is settled before sorting the few.
  const mine = below.filter(({ o }) => {
    if (room < o.bytes) skip(o.key, 'no-space')
    else if (!view.chosen(o.key, o.bytes)) decision.elsewhere.push(o.key)
    else return true
    return false
  }).sort((a, b) => a.copies - b.copies || a.o.bytes - b.o.bytes || (a.o.key < b.o.key ? -1 : 1))
  for (const { o } of mine) {
    if (probing >= s.maxProbing) skip(o.key, 'probe-limit')
    else if (!makeRoom(o.bytes, evictable(true))) skip(o.key, 'no-space')
    else take(o, false)
  }

  // Extra copies only into space that is free now: evicting for one would evict and fetch in circles.
  // Fewest copies first, then this node's own rendezvous order, so nodes with room spread over different drives.
  const ready = extras.filter(o => {
    if (input.coolingDown.has(o.key)) skip(o.key, 'cooling-down')
    else if (probing >= s.maxProbing) skip(o.key, 'probe-limit')
    else return true
    return false
  })
  const self = seedOf(input.region.self)
  const order = ready.map(o => ({ o, copies: view.copies(o.key), w: weight(seedOf(o.key), self) }))
    .sort((a, b) => a.copies - b.copies || b.w - a.w)
  for (const { o } of order) {
    if (probing >= s.maxProbing) skip(o.key, 'probe-limit')
    else if (o.bytes > s.maxTotalBytes - used) skip(o.key, 'no-space')
    else take(o, false)
  }
  return decision
}
