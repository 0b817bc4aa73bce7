// What the catalogues say about the whole region, worked out once per snapshot: copies per drive, the room each
// node could make, which nodes take each drive below target, and whose copies are extras. It is the same for
// every node that sees the same catalogues, so a simulation of many nodes builds it once per round.
import type { HeldDrive } from './mirror-policy.js'
import type { Region, RegionNode } from './region-view.js'
import { ranksBefore, seedOf, weight, type Seed } from './rendezvous.js'

export interface RegionIndex {
  target: number
  /** Drive → copies besides its publisher's. */
  copies: Map<string, number>
  /** Node → bytes of its copies of drives above target that it does not keep: room it could make. */
  spare: Map<string, number>
  /** Node → drives whose extra copy is that node's to give up (one node per extra copy). */
  extras: Map<string, Set<string>>
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
  const index: RegionIndex = { target, copies: new Map(), spare: new Map(), extras: new Map(), nodes: nodes.map(node => ({ node, seed: seedOf(node.key) })), region, takers: new Map() }
  const keeps = new Map(region.nodes.map(n => [n.key, n.keeps]))
  const free = new Map(region.nodes.map(n => [n.key, n.capBytes !== undefined && n.usedBytes !== undefined ? n.capBytes - n.usedBytes : Infinity]))
  const me = region.self
  const kept = (node: string, key: string) => {
    if (self && node === me) {
      const d = self.get(key)
      return !!d && (d.own || d.pinned || d.followed)
    }
    return keeps.get(node)?.has(key) ?? false
  }
  const holdersOf = (key: string, holders: Iterable<string>) => {
    const publisher = region.publisher.get(key)
    const list: string[] = []
    for (const node of holders) if (node !== publisher && (!self || node !== me)) list.push(node)
    if (self?.has(key) && publisher !== me) list.push(me)
    return list
  }
  const drives: Array<[string, string[]]> = []
  for (const [key, holders] of region.holders) drives.push([key, holdersOf(key, holders)])
  if (self) for (const key of self.keys()) if (!region.holders.has(key)) drives.push([key, holdersOf(key, [])])

  // Copies, and what each node could give up: any copy of a drive above target that it does not keep.
  const above: Array<[string, string[]]> = []
  for (const [key, list] of drives) {
    index.copies.set(key, list.length)
    if (list.length <= target) continue
    above.push([key, list])
    const bytes = bytesOf(key)
    for (const node of list) if (!kept(node, key)) index.spare.set(node, (index.spare.get(node) ?? 0) + bytes)
  }
  // Who takes each drive below target, with that room.
  const taking = new Set<string>()
  for (const [key, list] of drives) if (list.length < target) for (const node of takersOf(index, key, bytesOf(key))) taking.add(node)

  /**
   * Of a drive above target, the holders that keep it for good come first, then those that take no drive
   * below target this round, then the ones with the most free space, then the best-ranked. The first `target`
   * copies are the drive's; each of the rest is an extra that exactly one node may give up, so two nodes never
   * give up copies of one drive at once. The nodes that need room get the extras: in a full region the node
   * chosen for a drive below target may hold nothing but copies of drives that others hold too.
   */
  for (const [key, list] of above) {
    const d = seedOf(key)
    const ranked = list.map(node => ({ node, keep: kept(node, key), taking: taking.has(node), free: free.get(node) ?? Infinity, w: weight(d, seedOf(node)) }))
      .sort((x, y) => Number(y.keep) - Number(x.keep) || Number(x.taking) - Number(y.taking) || (y.free - x.free || 0) ||
        (ranksBefore(x.w, x.node, y.w, y.node) ? -1 : 1))
    ranked.forEach(({ node, keep }, i) => {
      if (keep || i < target) return
      let set = index.extras.get(node)
      if (!set) index.extras.set(node, set = new Set())
      set.add(key)
    })
  }
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

/** Room as the node's catalogue tells it: free space plus its spare copies. Unknown cap or use: room. */
function hasRoom (index: RegionIndex, node: RegionNode, key: string, bytes: number): boolean {
  if (node.mirrorsAll === false || node.declines?.has(key)) return false
  if (node.maxDriveBytes !== undefined && bytes > node.maxDriveBytes) return false
  if (node.capBytes === undefined || node.usedBytes === undefined) return true
  return node.capBytes - node.usedBytes + (index.spare.get(node.key) ?? 0) >= bytes
}
