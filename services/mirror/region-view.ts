// What one node can work out about its region from the catalogues it sees, during one review: how many copies
// each drive has now, which nodes have room, and whether this node is the one to take a drive below target.
// Every node that sees the same catalogues works out the same answers, which is what replaces a coordinator.
import type { RegionIndex } from './region-index.js'
import { ranksBefore, seedOf, weight } from './rendezvous.js'

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

export class RegionView {
  readonly target: number
  private readonly self: string
  private readonly region: Region
  private readonly index: RegionIndex
  /** Copies this node added (+1) or dropped (−1) during this review. */
  private readonly delta = new Map<string, number>()
  /** Drives whose extra copy is this node's to give up first. */
  readonly ownExtras: ReadonlySet<string>
  /** Bytes of this node's copies of drives above target that it does not keep for good. */
  readonly reclaimableBytes: number

  constructor (region: Region, index: RegionIndex) {
    this.region = region
    this.index = index
    this.target = index.target
    this.self = region.self
    this.ownExtras = index.extras.get(region.self) ?? new Set()
    this.reclaimableBytes = index.reclaimable.get(region.self) ?? 0
  }

  /** Copies of `key` besides its publisher's, as this node sees them now. */
  copies (key: string): number {
    const n = this.index.copies.get(key) ?? 0
    return this.delta.size === 0 ? n : n + (this.delta.get(key) ?? 0)
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
    const mine = weight(d, seedOf(this.self))
    const holders = this.region.holders.get(key)
    const publisher = this.region.publisher.get(key)
    let ahead = 0
    for (const { node, seed } of this.index.nodes) {
      if (node.key === this.self || node.key === publisher || holders?.has(node.key)) continue
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
    return node.capBytes - node.usedBytes + (this.index.reclaimable.get(node.key) ?? 0) >= bytes
  }
}
