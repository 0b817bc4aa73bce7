// What this node knows of its region: the catalogues its peers sent, and for a while those of peers that left.
// A peer that disconnects still counts as a holder for the grace period (holder-grace.ts), so a node that
// reboots or drops off the Wi-Fi for a moment makes no other node fetch gigabytes it already holds.
import type { Catalogue } from '../replication/catalogue.js'
import type { Region, RegionNode } from './region-view.js'
import { countedHolders, DEFAULT_HOLDER_GRACE_MS } from './holder-grace.js'

/** This node as its own catalogue describes it, plus what it holds complete and publishes. */
export interface SelfNode extends RegionNode {
  complete: Iterable<string>
  own: Iterable<string>
}

export class RegionTracker {
  private readonly connected = new Map<string, Catalogue>()
  private readonly departed = new Map<string, { at: number, catalogue: Catalogue }>()
  /** Connected peers that sent no catalogue: what they hold is read from the cores (see core-peers.ts). */
  private readonly plainPeers = new Set<string>()

  constructor (private readonly graceMs = DEFAULT_HOLDER_GRACE_MS) {}

  /** A connected peer sent its catalogue (on connecting and whenever it changes). */
  catalogue (peer: string, cat: Catalogue): void {
    this.plainPeers.delete(peer)
    this.connected.set(peer, cat)
    this.departed.delete(peer)
  }

  /**
   * A connected peer that speaks plain Hypercore holds these drives whole. It is a holder like any other (and,
   * once gone, for the same grace), but it never takes a drive for the region nor gives one up on our account.
   * Ignored for a peer that sent a catalogue: that says more, including what it is fetching.
   */
  plain (peer: string, whole: string[]): void {
    if (this.connected.has(peer) && !this.plainPeers.has(peer)) return
    this.plainPeers.add(peer)
    this.departed.delete(peer)
    this.connected.set(peer, {
      drives: whole.map(key => ({ key, title: '', description: '', bytes: 0, files: 0, version: 0, own: false, keeps: true, complete: true })),
      refuses: [],
      node: PLAIN_NODE
    })
  }

  /**
   * Drives a connected publisher is still writing (an import under way), with the size each will have: a copy
   * fetched so far is charged that, not what has arrived, or the room it is about to take looks free.
   */
  importing (): Map<string, number> {
    const sizes = new Map<string, number>()
    for (const cat of this.connected.values()) {
      for (const e of cat.drives) if (e.own && e.complete === false) sizes.set(e.key, e.bytes)
    }
    return sizes
  }

  /** The peer disconnected at `now`: its last catalogue counts until the grace period ends. */
  gone (peer: string, now: number): void {
    const cat = this.connected.get(peer)
    if (!cat) return
    this.plainPeers.delete(peer)
    this.connected.delete(peer)
    this.departed.set(peer, { at: now, catalogue: cat })
  }

  /**
   * The region as place() wants it: nodes are the connected peers and this node; holders of a drive are the
   * nodes whose catalogue lists it complete (departed ones within their grace included); its publisher is the
   * node whose entry says own.
   *
   * With `fetching` (placement), a connected peer's copy still being fetched counts too, as this node's own does
   * in place(): otherwise the peer, its room now taken, would look unable to take the drive, and a second node
   * would fetch the same copy. Without it (the status page), only complete copies count.
   */
  build (self: SelfNode, now: number, copies?: number, fetching = true): Region {
    const counted = countedHolders(new Map([...this.departed].map(([key, d]) => [key, d.at])), now, this.graceMs)
    for (const key of this.departed.keys()) if (!counted.has(key)) this.departed.delete(key)
    const holders = new Map<string, Set<string>>()
    const publisher = new Map<string, string>()
    const hold = (key: string, node: string) => {
      let set = holders.get(key)
      if (!set) holders.set(key, set = new Set())
      set.add(node)
    }
    const nodes: RegionNode[] = []
    const read = (node: string, cat: Catalogue, live: boolean) => {
      for (const e of cat.drives) {
        // An older node does not say whether its copy is complete: it is not counted, so the region errs on more copies.
        if (e.complete === true || (live && fetching && e.complete === false && !e.own)) hold(e.key, node)
        if (e.own) publisher.set(e.key, node)
      }
    }
    for (const [node, d] of this.departed) read(node, d.catalogue, false)
    for (const [node, cat] of this.connected) {
      read(node, cat, true)
      nodes.push(regionNode(node, cat))
    }
    const { complete, own, ...me } = self
    for (const key of complete) hold(key, self.key)
    for (const key of own) publisher.set(key, self.key)
    nodes.push(me)
    return { self: self.key, nodes, holders, publisher, copies }
  }
}

/** A plain Hypercore peer as a region node: no room of its own for the region's drives, and it takes none. */
const PLAIN_NODE = { capBytes: 0, usedBytes: 0, maxDriveBytes: 0, mirror: 'followed' } as const

function regionNode (key: string, cat: Catalogue): RegionNode {
  const node: RegionNode = { key, declines: new Set(cat.refuses), keeps: new Set(cat.drives.filter(e => e.keeps === true).map(e => e.key)) }
  // Without figures (an older node) it is assumed to have room and to mirror everything, as region-view.ts says.
  if (cat.node) Object.assign(node, { capBytes: cat.node.capBytes, usedBytes: cat.node.usedBytes, maxDriveBytes: cat.node.maxDriveBytes, mirrorsAll: cat.node.mirror === 'all' })
  return node
}
