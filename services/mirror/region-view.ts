// What one node can work out about its region from the catalogues it sees: how many copies each drive has,
// whose copies are extras, which nodes have room, and whether this node is the one to take a drive below target.
// Every node that sees the same catalogues works out the same answers, which is what replaces a coordinator.
import type { HeldDrive } from './mirror-policy.js'
import { ranksBefore, seedOf, weight, type Seed } from './rendezvous.js'

export interface RegionNode {
  key: string
  /** The node's total cap (its max-total-size). Unknown: it is assumed to have room. */
  capBytes?: number
  /** What it holds now, its own drives included. */
  usedBytes?: number
  /** Its per-drive cap. */
  maxDriveBytes?: number
  /** False when it mirrors only drives it follows: it never takes a drive for the region. */
  mirrorsAll?: boolean
  /** Drives it will not take (denied or blocked there). */
  declines?: ReadonlySet<string>
  /** Drives it never gives up (own, pinned, followed): its copy of these is never an extra. */
  keeps?: ReadonlySet<string>
}

export interface Region {
  self: string
  /** The nodes on the LAN that count (this one may be included), with what their catalogues say. */
  nodes: readonly RegionNode[]
  /** Per drive, the nodes holding it, publisher included or not; a departed node stays in until its grace ends. */
  holders: ReadonlyMap<string, ReadonlySet<string>>
  /** Per drive, the node that publishes it: its copy is the original and does not count toward the target. */
  publisher: ReadonlyMap<string, string>
  /** Copies wanted of every drive besides its publisher's (1–16, default 2); the same on every node. */
  copies?: number
}

interface Other { node: RegionNode, seed: Seed }

export class RegionView {
  readonly target: number
  private readonly self: string
  private readonly selfSeed: Seed
  private readonly region: Region
  private readonly held: ReadonlyMap<string, HeldDrive>
  private readonly others: Other[] = []
  /** Copies this node added (+1) or dropped (−1) during this review. */
  private readonly delta = new Map<string, number>()
  /** Other nodes: bytes of their copies of drives above target, which they may give up for a drive below it. */
  private readonly reclaimable = new Map<string, number>()
  private readonly keepsOf = new Map<string, ReadonlySet<string> | undefined>()
  /** Drives whose extra copy is this node's to give up: no other holder gives it up at the same time. */
  readonly ownExtras = new Set<string>()
  /** Bytes of this node's copies of drives above target that it does not keep for good. */
  reclaimableBytes = 0

  constructor (region: Region, target: number, held: ReadonlyMap<string, HeldDrive>, bytesOf: (key: string) => number) {
    this.region = region
    this.target = target
    this.self = region.self
    this.selfSeed = seedOf(region.self)
    this.held = held
    for (const node of region.nodes) if (node.key !== region.self) this.others.push({ node, seed: seedOf(node.key) })
    this.attributeExtras(bytesOf)
  }

  /** Copies of `key` besides its publisher's, as this node sees them now. */
  copies (key: string): number {
    const holders = this.region.holders.get(key)
    const publisher = this.region.publisher.get(key)
    let n = 0
    if (holders) {
      n = holders.size
      if (publisher !== undefined && holders.has(publisher)) n--
      if (holders.has(this.self) && publisher !== this.self) n--
    }
    if (this.held.has(key) && publisher !== this.self) n++
    return n + (this.delta.get(key) ?? 0)
  }

  added (key: string): void { this.delta.set(key, (this.delta.get(key) ?? 0) + 1) }
  dropped (key: string): void { this.delta.set(key, (this.delta.get(key) ?? 0) - 1) }

  /**
   * Whether this node is one of the `target − copies` best-ranked nodes that can take `key` and do not hold it.
   * Only nodes ranked above this one are looked at, in the order they are listed: for a random weight that is
   * a handful per drive, which keeps a 1,000-node region cheap. The caller checks this node's own room.
   */
  chosen (key: string, bytes: number): boolean {
    const deficit = this.target - this.copies(key)
    if (deficit <= 0) return false
    const d = seedOf(key)
    const mine = weight(d, this.selfSeed)
    const holders = this.region.holders.get(key)
    const publisher = this.region.publisher.get(key)
    let ahead = 0
    for (const { node, seed } of this.others) {
      if (node.key === publisher || holders?.has(node.key)) continue
      if (!ranksBefore(weight(d, seed), node.key, mine, this.self)) continue
      if (!this.hasRoom(node, key, bytes)) continue
      if (++ahead >= deficit) return false
    }
    return true
  }

  private hasRoom (node: RegionNode, key: string, bytes: number): boolean {
    if (node.mirrorsAll === false || node.declines?.has(key)) return false
    if (node.maxDriveBytes !== undefined && bytes > node.maxDriveBytes) return false
    if (node.capBytes === undefined || node.usedBytes === undefined) return true
    return node.capBytes - node.usedBytes + (this.reclaimable.get(node.key) ?? 0) >= bytes
  }

  private keeps (node: string, key: string): boolean {
    if (node === this.self) {
      const d = this.held.get(key)
      return !!d && (d.own || d.pinned || d.followed)
    }
    return this.keepsOf.get(node)?.has(key) ?? false
  }

  /**
   * Of a drive with more copies than the target, the holders that keep it for good come first, then the
   * best-ranked: the first `target` copies are the drive's, the rest are extras, each the business of exactly
   * one node, who gives it up first, so two nodes rarely give up copies of the same drive at once.
   * Any holder that does not keep it may still give its copy up when it has nothing else: in a full region the
   * node that has room for a new drive's copy may be one that holds none of the extras.
   */
  private attributeExtras (bytesOf: (key: string) => number): void {
    for (const { node } of this.others) this.keepsOf.set(node.key, node.keeps)
    const visit = (key: string, holders: ReadonlySet<string> | undefined) => {
      if (this.copies(key) <= this.target) return
      const publisher = this.region.publisher.get(key)
      const d = seedOf(key)
      const copies: Array<{ node: string, keep: boolean, w: number }> = []
      for (const node of holders ?? []) {
        if (node !== publisher && node !== this.self) copies.push({ node, keep: this.keeps(node, key), w: weight(d, seedOf(node)) })
      }
      if (this.held.has(key) && publisher !== this.self) copies.push({ node: this.self, keep: this.keeps(this.self, key), w: weight(d, this.selfSeed) })
      copies.sort((x, y) => Number(y.keep) - Number(x.keep) || (ranksBefore(x.w, x.node, y.w, y.node) ? -1 : 1))
      copies.forEach(({ node, keep }, i) => {
        if (keep) return
        if (node !== this.self) this.reclaimable.set(node, (this.reclaimable.get(node) ?? 0) + bytesOf(key))
        else {
          this.reclaimableBytes += bytesOf(key)
          if (i >= this.target) this.ownExtras.add(key)
        }
      })
    }
    for (const [key, holders] of this.region.holders) visit(key, holders)
    for (const key of this.held.keys()) if (!this.region.holders.has(key)) visit(key, undefined)
  }
}
