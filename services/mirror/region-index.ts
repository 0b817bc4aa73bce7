// What the catalogues say about the whole region, worked out once per snapshot: copies per drive, whose copies
// are extras, and how much room each node could free. It is the same for every node that sees the same
// catalogues, so a simulation of many nodes builds it once per round instead of once per node.
import type { HeldDrive } from './mirror-policy.js'
import type { Region, RegionNode } from './region-view.js'
import { ranksBefore, seedOf, weight, type Seed } from './rendezvous.js'

export interface RegionIndex {
  target: number
  /** Drive → copies besides its publisher's. */
  copies: Map<string, number>
  /** Node → drives whose extra copy is that node's to give up first. */
  extras: Map<string, Set<string>>
  /** Node → bytes of its copies of drives above target that it does not keep for good. */
  reclaimable: Map<string, number>
  /** The region's nodes with their rendezvous seeds (this node among them, even if the caller left it out). */
  nodes: Array<{ node: RegionNode, seed: Seed }>
  region: Region
  /** Drive below target → the nodes that take it this round, worked out when first asked. */
  takers: Map<string, string[]>
}

/**
 * `bytesOf` gives a drive's size. `self`, when given, is what this node really holds: it overrides what the
 * catalogues say about it (a drive still being fetched is held; its own, pinned and followed drives are kept).
 */
export function indexRegion (region: Region, target: number, bytesOf: (key: string) => number, self?: ReadonlyMap<string, HeldDrive>): RegionIndex {
  const nodes = self && !region.nodes.some(n => n.key === region.self) ? [...region.nodes, { key: region.self }] : region.nodes
  const index: RegionIndex = { target, copies: new Map(), extras: new Map(), reclaimable: new Map(), nodes: nodes.map(node => ({ node, seed: seedOf(node.key) })), region, takers: new Map() }
  const keeps = new Map(region.nodes.map(n => [n.key, n.keeps]))
  const me = region.self
  const kept = (node: string, key: string) => {
    if (self && node === me) {
      const d = self.get(key)
      return !!d && (d.own || d.pinned || d.followed)
    }
    return keeps.get(node)?.has(key) ?? false
  }

  /**
   * Of a drive with more copies than the target, the holders that keep it for good come first, then the
   * best-ranked: the first `target` copies are the drive's, the rest are extras, each the business of exactly
   * one node, who gives it up first, so two nodes rarely give up copies of the same drive at once.
   * Any holder that does not keep it may still give its copy up when it has nothing else: in a full region the
   * node that has room for a new drive's copy may be one that holds none of the extras.
   */
  const visit = (key: string, holders: Iterable<string>) => {
    const publisher = region.publisher.get(key)
    const list: string[] = []
    for (const node of holders) if (node !== publisher && (!self || node !== me)) list.push(node)
    if (self?.has(key) && publisher !== me) list.push(me)
    index.copies.set(key, list.length)
    if (list.length <= target) return
    const d = seedOf(key)
    const ranked = list.map(node => ({ node, keep: kept(node, key), w: weight(d, seedOf(node)) }))
      .sort((x, y) => Number(y.keep) - Number(x.keep) || (ranksBefore(x.w, x.node, y.w, y.node) ? -1 : 1))
    const bytes = bytesOf(key)
    ranked.forEach(({ node, keep }, i) => {
      if (keep) return
      index.reclaimable.set(node, (index.reclaimable.get(node) ?? 0) + bytes)
      if (i < target) return
      let set = index.extras.get(node)
      if (!set) index.extras.set(node, set = new Set())
      set.add(key)
    })
  }
  for (const [key, holders] of region.holders) visit(key, holders)
  if (self) for (const key of self.keys()) if (!region.holders.has(key)) visit(key, [])
  return index
}

/**
 * The `target − copies` best-ranked nodes that do not hold `key` and have room for it: the nodes that take it.
 * Every node works out the same list, so the drive gets the copies it misses and no more, and it is worked out
 * once per drive and snapshot however many nodes ask.
 */
export function takersOf (index: RegionIndex, key: string, bytes: number): string[] {
  let takers = index.takers.get(key)
  if (takers) return takers
  takers = []
  const deficit = index.target - (index.copies.get(key) ?? 0)
  const holders = index.region.holders.get(key)
  const publisher = index.region.publisher.get(key)
  const weights: number[] = []
  const d = seedOf(key)
  for (const { node, seed } of deficit > 0 ? index.nodes : []) {
    if (node.key === publisher || holders?.has(node.key) || !hasRoom(index, node, key, bytes)) continue
    const w = weight(d, seed)
    // Insertion into a list of at most `deficit` (≤ 16): cheaper than sorting the whole region.
    let i = takers.length
    while (i > 0 && ranksBefore(w, node.key, weights[i - 1], takers[i - 1])) i--
    if (i >= deficit) continue
    takers.splice(i, 0, node.key)
    weights.splice(i, 0, w)
    if (takers.length > deficit) { takers.pop(); weights.pop() }
  }
  index.takers.set(key, takers)
  return takers
}

/** Room as the node's catalogue tells it: free space plus its copies of drives above target. Unknown: room. */
function hasRoom (index: RegionIndex, node: RegionNode, key: string, bytes: number): boolean {
  if (node.mirrorsAll === false || node.declines?.has(key)) return false
  if (node.maxDriveBytes !== undefined && bytes > node.maxDriveBytes) return false
  if (node.capBytes === undefined || node.usedBytes === undefined) return true
  return node.capBytes - node.usedBytes + (index.reclaimable.get(node.key) ?? 0) >= bytes
}
