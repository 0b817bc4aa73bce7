// What one node can work out about its region from the catalogues it sees, during one review: how many copies
// each drive has now (its own fetches and evictions included) and whether it is one to take a drive below target.
// Every node that sees the same catalogues works out the same answers, which is what replaces a coordinator.
import { takersOf, type RegionIndex } from './region-index.js'

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
  private readonly index: RegionIndex
  /** Copies this node added (+1) or dropped (−1) during this review. */
  private readonly delta = new Map<string, number>()
  /** Drives whose extra copy is this node's to give up (see indexRegion). */
  readonly ownExtras: ReadonlySet<string>
  /** Bytes of its copies of drives above target that it does not keep: the room the others count it as having. */
  readonly spareBytes: number

  constructor (region: Region, index: RegionIndex) {
    this.index = index
    this.target = index.target
    this.self = region.self
    this.ownExtras = index.extras.get(region.self) ?? new Set()
    this.spareBytes = index.spare.get(region.self) ?? 0
  }

  /** Copies of `key` besides its publisher's, as this node sees them now. */
  copies (key: string): number {
    const n = this.index.copies.get(key) ?? 0
    return this.delta.size === 0 ? n : n + (this.delta.get(key) ?? 0)
  }

  added (key: string): void { this.delta.set(key, (this.delta.get(key) ?? 0) + 1) }
  dropped (key: string): void { this.delta.set(key, (this.delta.get(key) ?? 0) - 1) }

  /** Whether this node is one of the nodes that take `key`, a drive below target (see takersOf). */
  chosen (key: string, bytes: number): boolean {
    return takersOf(this.index, key, bytes).includes(this.self)
  }
}
