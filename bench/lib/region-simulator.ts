// An in-memory region for mirror policies: nodes with disks, drives with publishers, and review rounds in which
// every node decides on the same snapshot of the region, then all decisions are applied at once (a copy is
// complete as soon as it is taken). Shared by test/unit/placement.unit.test.ts and bench/region.ts.
import { decide, type HeldDrive, type PolicyDecision, type PolicyInput, type PolicySettings } from '../../services/mirror/mirror-policy.js'
import { copyTarget, indexRegion, place, type PlacementInput, type Region, type RegionNode } from '../../services/mirror/region-placement.js'

/** 'region': region-placement's place(); 'today': mirror-policy's decide(), offered every drive the LAN holds. */
export type PolicyName = 'region' | 'today'

export interface SimDrive { key: string, bytes: number, publisher: string }

interface Copy { lastUsed: number, addedAt: number, pinned: boolean }

export interface SimNode {
  key: string
  settings: PolicySettings
  /** Drive → this node's copy; its own drives included. */
  copies: Map<string, Copy>
  coolingDown: Map<string, number>
  usedBytes: number
}

export interface RoundResult {
  takes: number
  evictions: number
  bytesTaken: number
  /** Bytes taken of drives that were below the copy target when the round began: the repair's share. */
  bytesRepaired: number
  bytesEvicted: number
  decisions: Map<string, PolicyDecision>
}

export interface SimOptions {
  policy: PolicyName
  copies?: number
  /** Settings every node starts from; maxTotalBytes is each node's own. */
  settings?: Partial<PolicySettings>
  reviewMs?: number
  coolDownMs?: number
  /** Keep every node's decision of the last round (tests read them; the bench does not need them). */
  keepDecisions?: boolean
}

const BASE: PolicySettings = { mirror: 'all', maxDriveBytes: Number.MAX_SAFE_INTEGER, maxTotalBytes: 0, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 16 }

/**
 * decide() on the first offers only, in its own order, growing the prefix until the answer cannot change: once
 * it has taken `maxProbing` drives every later offer is skipped, and the offers it has not reached cannot evict
 * anything. So `mirror` and `evict` are exactly decide()'s on the whole list (`skipped` is shorter), for a
 * fraction of the time on 10,000 offers. `offered` must already be in decide()'s order, with no followed drives.
 */
function decideOnPrefix (input: PolicyInput): PolicyDecision {
  for (let n = 256; ; n *= 4) {
    if (n >= input.offered.length) return decide(input)
    const d = decide({ ...input, offered: input.offered.slice(0, n) })
    if (d.mirror.length >= input.settings.maxProbing) return d
  }
}

export class RegionSim {
  readonly drives = new Map<string, SimDrive>()
  readonly nodes = new Map<string, SimNode>()
  /** Drive → nodes holding it, the publisher included. */
  readonly holders = new Map<string, Set<string>>()
  round = 0
  private readonly opts: Required<Omit<SimOptions, 'copies' | 'settings'>> & Pick<SimOptions, 'copies' | 'settings'>

  constructor (opts: SimOptions) {
    // A real node reviews every 10 s and cools an evicted drive down for an hour (mirror-manager.ts).
    this.opts = { reviewMs: 10_000, coolDownMs: 3_600_000, keepDecisions: false, ...opts }
  }

  get now (): number { return this.round * this.opts.reviewMs }

  addNode (key: string, capBytes: number, settings: Partial<PolicySettings> = {}): SimNode {
    const node: SimNode = { key, settings: { ...BASE, ...this.opts.settings, ...settings, maxTotalBytes: capBytes }, copies: new Map(), coolingDown: new Map(), usedBytes: 0 }
    this.nodes.set(key, node)
    return node
  }

  /** The node leaves with its disk: its copies are gone (after the grace period, which the caller models). */
  removeNode (key: string): void {
    const node = this.nodes.get(key)
    if (!node) return
    for (const drive of node.copies.keys()) this.holders.get(drive)?.delete(key)
    this.nodes.delete(key)
  }

  publish (key: string, bytes: number, publisher: string): void {
    this.drives.set(key, { key, bytes, publisher })
    this.hold(this.nodes.get(publisher)!, key)
  }

  /** Gives `node` a copy of `drive` directly (a starting state), as if it had mirrored it at `lastUsed`. */
  hold (node: SimNode, drive: string, over: Partial<Copy> = {}): void {
    node.copies.set(drive, { lastUsed: this.now, addedAt: this.now, pinned: false, ...over })
    node.usedBytes += this.drives.get(drive)!.bytes
    let set = this.holders.get(drive)
    if (!set) this.holders.set(drive, set = new Set())
    set.add(node.key)
  }

  private drop (node: SimNode, drive: string): void {
    node.copies.delete(drive)
    node.usedBytes -= this.drives.get(drive)!.bytes
    this.holders.get(drive)?.delete(node.key)
  }

  /** Copies besides the publisher's. */
  copiesOf (drive: string): number {
    const set = this.holders.get(drive)
    if (!set) return 0
    return set.size - (set.has(this.drives.get(drive)!.publisher) ? 1 : 0)
  }

  /** A drive no node in the region holds any more, not even its publisher. */
  lost (drive: string): boolean { return (this.holders.get(drive)?.size ?? 0) === 0 }

  private heldDrives (node: SimNode): HeldDrive[] {
    const follow = new Set(node.settings.follow)
    return [...node.copies].map(([key, c]) => {
      const bytes = this.drives.get(key)!.bytes
      return { key, own: this.drives.get(key)!.publisher === node.key, pinned: c.pinned, followed: follow.has(key), bytes, localBytes: bytes, lastUsed: c.lastUsed, known: true, addedAt: c.addedAt }
    })
  }

  private regionNodes (): RegionNode[] {
    return [...this.nodes.values()].map(n => {
      const keeps = new Set(n.settings.follow)
      for (const [key, c] of n.copies) if (c.pinned || this.drives.get(key)!.publisher === n.key) keeps.add(key)
      return { key: n.key, capBytes: n.settings.maxTotalBytes, usedBytes: n.usedBytes, maxDriveBytes: n.settings.maxDriveBytes, mirrorsAll: n.settings.mirror === 'all', declines: new Set(n.settings.deny), keeps }
    })
  }

  /** What every node sees this round; the region-wide part of placement is worked out once, not per node. */
  private snapshot () {
    // Listed in the order decide() sorts them (most holders, then smallest), which it then sorts in linear time.
    const offered = [...this.holders].filter(([, set]) => set.size > 0)
      .map(([key, set]) => ({ key, bytes: this.drives.get(key)!.bytes, peers: set.size }))
      .sort((a, b) => b.peers - a.peers || a.bytes - b.bytes)
    const publisher = new Map([...this.drives.values()].map(d => [d.key, d.publisher]))
    const region: Region = { self: '', nodes: this.opts.policy === 'region' ? this.regionNodes() : [], holders: this.holders, publisher, copies: this.opts.copies }
    const index = this.opts.policy === 'region' ? indexRegion(region, copyTarget(this.opts.copies), key => this.drives.get(key)!.bytes) : undefined
    return { offered, region, index }
  }

  private inputFor (node: SimNode, snap: ReturnType<RegionSim['snapshot']>): PlacementInput {
    const { offered, region, index } = snap
    return { settings: node.settings, held: this.heldDrives(node), offered, blocked: [], coolingDown: new Set(node.coolingDown.keys()), now: this.now, region: { ...region, self: node.key }, index }
  }

  /** The input region placement gets on `key` now, with the round's shared index. */
  placementInput (key: string): PlacementInput { return this.inputFor(this.nodes.get(key)!, this.snapshot()) }

  /** One review on every node, on the same snapshot, then every decision applied. */
  step (): RoundResult {
    this.round++
    const now = this.now
    const snap = this.snapshot()
    const decisions = new Map<string, PolicyDecision>()
    for (const node of this.nodes.values()) {
      for (const [key, until] of node.coolingDown) if (until < now) node.coolingDown.delete(key)
      const input = this.inputFor(node, snap)
      const d = snap.index ? place(input) : decideOnPrefix(input)
      // Only what is applied is kept: 1,000 nodes' skip lists would hold 10 million entries until the round ends.
      decisions.set(node.key, this.opts.keepDecisions ? d : { mirror: d.mirror, evict: d.evict, skipped: [] })
    }
    const result: RoundResult = { takes: 0, evictions: 0, bytesTaken: 0, bytesRepaired: 0, bytesEvicted: 0, decisions: this.opts.keepDecisions ? decisions : new Map() }
    const target = copyTarget(this.opts.copies)
    const repairs = new Set<string>()
    for (const d of decisions.values()) for (const drive of d.mirror) if (this.copiesOf(drive) < target) repairs.add(drive)
    for (const [key, d] of decisions) {
      const node = this.nodes.get(key)!
      for (const { key: drive } of d.evict) {
        result.evictions++
        result.bytesEvicted += this.drives.get(drive)!.bytes
        node.coolingDown.set(drive, now + this.opts.coolDownMs)
        this.drop(node, drive)
      }
    }
    for (const [key, d] of decisions) {
      const node = this.nodes.get(key)!
      for (const drive of d.mirror) {
        result.takes++
        result.bytesTaken += this.drives.get(drive)!.bytes
        if (repairs.has(drive)) result.bytesRepaired += this.drives.get(drive)!.bytes
        this.hold(node, drive)
      }
    }
    return result
  }

  /** Rounds until one changes nothing (at most `max`); returns how many changed something. */
  settle (max = 100): number {
    for (let i = 0; i < max; i++) {
      const r = this.step()
      if (r.takes === 0 && r.evictions === 0) return i
    }
    return max
  }
}
