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
  /** The region's nodes with their rendezvous seeds. */
  nodes: Array<{ node: RegionNode, seed: Seed }>
}

/**
 * `bytesOf` gives a drive's size. `self`, when given, is what this node really holds: it overrides what the
 * catalogues say about it (a drive still being fetched is held; its own, pinned and followed drives are kept).
 */
export function indexRegion (region: Region, target: number, bytesOf: (key: string) => number, self?: ReadonlyMap<string, HeldDrive>): RegionIndex {
  const index: RegionIndex = { target, copies: new Map(), extras: new Map(), reclaimable: new Map(), nodes: region.nodes.map(node => ({ node, seed: seedOf(node.key) })) }
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
