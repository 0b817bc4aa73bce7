// Turns what peers offer into mirrored drives, within the policy, and keeps the node's own catalogue current.
import type { Library } from '../storage/library.js'
import type { Peer } from '../replication/peer-manager.js'
import type { CatalogueEntry, NodeFigures } from '../replication/catalogue.js'
import { Resource } from '../lifecycle/resource.js'
import { decide, type HeldDrive, type PolicySettings, type SkipReason } from './mirror-policy.js'
import { copyTarget, place, type PlacementDecision, type Region } from './region-placement.js'
import { RegionTracker } from './region-tracker.js'
import { limitToCard } from './card-limit.js'
import { logger } from '../log.js'
import { diskFull } from '../storage/disk-space.js'
import { corePeers } from '../replication/core-peers.js'

const log = logger('mirror')
const COOL_DOWN_MS = 60 * 60 * 1000
const REVIEW_MS = 10_000

export interface Offer { entry: CatalogueEntry, peers: Set<string> }

export interface MirrorManagerOptions {
  library: Library
  settings: PolicySettings
  /** Free bytes on the card for drives (null: unknown); the library's figure by default. */
  freeBytes?: () => Promise<number | null>
  /** Copies the region keeps of every drive besides its publisher's (--copies); 2 by default. */
  copies?: number
  /** Who this node is in the region (its node key); the library's by default. */
  nodeKey?: string
  /** How long a departed peer still counts as a holder (holder-grace.ts); 60 s by default. */
  holderGraceMs?: number
  /**
   * Blocks of drives visitors browsed without this node holding them (browse-cache.ts): on the card, outside the
   * caps, and given back before any mirrored drive is when the card is short.
   */
  browsed?: { readonly bytes: number, clear (): Promise<number> }
  /** `lru`: decide() alone, the policy before the region, for bench/region only (see Config.placement). */
  placement?: 'region' | 'lru'
}

/** `elsewhere`: the region has or is fetching enough copies, on nodes ranked before this one. */
export type NotHereReason = SkipReason | 'elsewhere'

/**
 * Its inputs come from the composition root: what each peer offers (`peerCatalogue`, `peerGone`), changes to the
 * caps (`updateSettings`) and drives whose figures changed (`schedule`).
 */
export class MirrorManager extends Resource {
  private readonly offers = new Map<string, Offer>()
  private readonly coolingDown = new Map<string, number>()
  /** Store sizes seen of drives the card could not hold: a smaller claim from a peer is not believed again. */
  private readonly seenBytes = new Map<string, number>()
  /** Why drives are not mirrored here, for the status page (the organiser asks "why isn't X here?"). */
  readonly skipped = new Map<string, NotHereReason>()
  readonly copies: number
  private readonly tracker: RegionTracker
  /** Connected peers, and those of them that sent a catalogue: the others speak plain Hypercore. */
  private readonly live = new Set<string>()
  private readonly catalogued = new Set<string>()
  readonly evictions: Array<{ key: string, title: string, reason: string, at: number }> = []
  private reviewTimer: NodeJS.Timeout | null = null
  private interval: NodeJS.Timeout | null = null
  private reviewing: Promise<void> = Promise.resolve()
  private readonly freeBytes: () => Promise<number | null>
  /** The card is nearly full (see diskFull in disk-space.ts): nothing new is mirrored until space is freed. */
  diskFull = false

  constructor (private readonly opts: MirrorManagerOptions) {
    super()
    this.freeBytes = opts.freeBytes ?? (() => opts.library.freeBytes())
    this.copies = copyTarget(opts.copies)
    this.tracker = new RegionTracker(opts.holderGraceMs)
  }

  protected override async _open (): Promise<void> {
    const { library } = this.opts
    for (const key of this.opts.settings.follow) {
      if (!library.isBlocked(key)) await library.addMirror(key, { followed: true }).catch((err) => log.warn(`cannot follow ${key}: ${err.message}`))
    }
    // Metadata and sizes change as drives sync: re-apply the caps now and then, not only on catalogue changes.
    this.interval = setInterval(() => this.schedule(), REVIEW_MS)
    this.interval.unref()
    this.schedule()
  }

  protected override async _close (): Promise<void> {
    if (this.reviewTimer) clearTimeout(this.reviewTimer)
    if (this.interval) clearInterval(this.interval)
    await this.reviewing
  }

  get settings (): Readonly<PolicySettings> { return this.opts.settings }

  /** Caps and lists changed at run time (admin page): re-applied at once, evicting if the cap shrank. */
  updateSettings (changes: Partial<PolicySettings>): void {
    Object.assign(this.opts.settings, changes)
    this.schedule()
  }

  /** How many connected nodes offer this drive: those whose catalogue lists it, and plain peers replicating it. */
  seeders (key: string): number {
    const offer = this.offers.get(key)
    const d = this.opts.library.get(key)
    if (!d) return offer?.peers.size ?? 0
    const { metadata, blobs } = d.replicatedCores()
    const seeders = new Set(offer?.peers)
    for (const peer of corePeers(metadata, blobs).keys()) if (this.live.has(peer) && !this.catalogued.has(peer)) seeders.add(peer)
    return seeders.size
  }

  offered (): Offer[] { return [...this.offers.values()] }

  schedule (): void {
    if (this.reviewTimer || this.isClosing) return
    this.reviewTimer = setTimeout(() => {
      this.reviewTimer = null
      this.reviewing = this.reviewing.then(() => this.review()).catch((err) => log.error(`review failed: ${err.message}`))
    }, 200)
  }

  /** A peer sent its catalogue (on connecting and whenever it changes). */
  /** A peer connected: until it sends a catalogue, what it holds is read from the cores it replicates. */
  peerOpen (peer: Peer): void { this.live.add(peer.key) }

  peerCatalogue (peer: Peer): void {
    this.catalogued.add(peer.key)
    this.tracker.catalogue(peer.key, peer.catalogue)
    const keys = new Set(peer.catalogue.drives.map(d => d.key))
    for (const [key, offer] of this.offers) {
      if (!keys.has(key) && offer.peers.delete(peer.key) && offer.peers.size === 0) this.offers.delete(key)
    }
    for (const entry of peer.catalogue.drives) {
      const offer = this.offers.get(entry.key) ?? { entry, peers: new Set<string>() }
      if (entry.version >= offer.entry.version) offer.entry = entry
      offer.peers.add(peer.key)
      this.offers.set(entry.key, offer)
    }
    this.emit('offers')
    this.schedule()
  }

  peerGone (peer: Peer): void {
    this.live.delete(peer.key)
    this.catalogued.delete(peer.key)
    this.tracker.gone(peer.key, Date.now())
    for (const [key, offer] of this.offers) {
      if (offer.peers.delete(peer.key) && offer.peers.size === 0) this.offers.delete(key)
    }
    this.emit('offers')
  }

  /**
   * What saving these settings would evict at once, before any offer is weighed: the admin page asks the
   * organiser to confirm before drives go.
   */
  wouldEvict (changes: Partial<PolicySettings>): Array<{ key: string, title: string, reason: string }> {
    const { library, settings } = this.opts
    const decision = decide({ settings: { ...settings, ...changes }, held: this.heldDrives(), offered: [], blocked: library.blockedKeys(), coolingDown: new Set(this.coolingDown.keys()), now: Date.now() })
    return decision.evict.map(({ key, reason }) => ({ key, title: library.get(key)?.info.title || library.record(key)?.title || '', reason }))
  }

  /** The organiser wants an evicted or refused drive back: no cool-down, and followed, so never evicted. */
  async mirrorAgain (key: string): Promise<void> {
    // In the reviews' queue: a review running while the drive is added (which waits for its earlier deletion)
    // still saw it unfollowed and not held, and marked it skipped again after the organiser asked for it.
    const again = this.reviewing.then(async () => {
      this.coolingDown.delete(key)
      const title = this.offers.get(key)?.entry.title ?? [...this.evictions].reverse().find(e => e.key === key)?.title
      await this.opts.library.addMirror(key, { followed: true, title })
      this.skipped.delete(key)
    })
    this.reviewing = again.catch(() => undefined)
    await again
    this.schedule()
  }

  /** This node's disk as its catalogue tells the region (see NodeFigures): the same figures place() uses for it. */
  figures (): NodeFigures {
    const s = this.opts.settings
    return { capBytes: s.maxTotalBytes, usedBytes: this.usedBytes(this.heldDrives()), maxDriveBytes: s.maxDriveBytes, mirror: s.mirror }
  }

  /**
   * The region as this node sees it now: connected peers and itself, departed holders within their grace.
   * `fetching`: copies peers are still fetching count as held (placement); false: complete copies only (status).
   */
  region (now = Date.now(), held = this.heldDrives(), fetching = true): Region {
    const { library, settings: s } = this.opts
    const complete: string[] = []
    for (const d of library.list()) {
      const f = d.snapshot()
      if (f.known && f.localBytes >= f.bytes && !library.isRelease(d.id)) complete.push(d.id)
    }
    const drives = held.filter(d => d.system !== true)
    this.notePlainPeers()
    return this.tracker.build({
      key: this.opts.nodeKey ?? library.nodeKey,
      capBytes: s.maxTotalBytes,
      usedBytes: this.usedBytes(held),
      maxDriveBytes: s.maxDriveBytes,
      mirrorsAll: s.mirror === 'all',
      declines: new Set([...library.blockedKeys(), ...s.deny]),
      keeps: new Set(drives.filter(d => d.own || d.pinned || d.followed).map(d => d.key)),
      complete,
      own: drives.filter(d => d.own).map(d => d.key)
    }, now, this.copies, fetching)
  }

  /** Tells the tracker which drives each plain Hypercore peer (no catalogue) holds whole now. */
  private notePlainPeers (): void {
    const whole = new Map<string, string[]>()
    for (const d of this.opts.library.list()) {
      const { metadata, blobs } = d.replicatedCores()
      for (const [peer, complete] of corePeers(metadata, blobs)) {
        if (!this.live.has(peer) || this.catalogued.has(peer)) continue
        const list = whole.get(peer) ?? []
        if (complete) list.push(d.id)
        whole.set(peer, list)
      }
    }
    for (const [peer, keys] of whole) this.tracker.plain(peer, keys)
  }

  /**
   * What the drives take against the cap: each charged the blocks its store holds (superseded versions not yet
   * reclaimed included: heldDrives). The storage engine's own files and space cleared but not yet compacted are
   * not the organiser's content; they count where they matter, in the card's free space (limitToCard).
   */
  private usedBytes (held: HeldDrive[]): number {
    return held.filter(d => d.system !== true).reduce((n, d) => n + Math.max(d.bytes, d.localBytes), 0)
  }

  private heldDrives (): HeldDrive[] {
    const { library } = this.opts
    const importing = this.tracker.importing()
    return library.records().map(r => {
      const d = library.get(r.key)
      const f = d?.snapshot()
      // Blocks of superseded versions stay until reclaimed, and a file's blocks arrive before its entry: charge
      // what the drive's store holds when that is more than its latest version.
      const store = d ? d.storeFigures() : { bytes: 0, localBytes: 0 }
      // A drive its publisher is still importing will grow to the size the publisher offers it at.
      const bytes = Math.max(f?.known ? f.bytes : this.claimed(r.key), store.bytes, importing.get(r.key) ?? 0)
      const localBytes = Math.max(f?.localBytes ?? 0, store.localBytes)
      return { key: r.key, own: r.own, pinned: r.pinned, followed: r.followed, bytes, localBytes, lastUsed: r.lastUsed, known: f?.known ?? false, addedAt: r.addedAt, system: r.release === true }
    })
  }

  /** Until its metadata arrives a drive's size is what its peers claim: the card must have room for that. */
  private claimed (key: string): number {
    return Math.max(this.offers.get(key)?.entry.bytes ?? 0, this.seenBytes.get(key) ?? 0)
  }

  private async review (): Promise<void> {
    if (this.isClosing) return
    const { library, settings } = this.opts
    const now = Date.now()
    for (const [key, until] of this.coolingDown) if (until < now) this.coolingDown.delete(key)
    let freeBytes = await this.freeBytes()
    this.noteDisk(freeBytes)
    const all = this.heldDrives()
    // The release drive is not library content: outside the caps, never evicted, never placed.
    const system = new Set(all.filter(d => d.system === true).map(d => d.key))
    const held = all.filter(d => !system.has(d.key))
    const offered = [...this.offers.values()].filter(o => !system.has(o.entry.key)).map(o => ({ key: o.entry.key, bytes: this.claimed(o.entry.key), peers: o.peers.size }))
    const region = this.region(now, all)
    const input = { settings, held, offered, blocked: library.blockedKeys(), coolingDown: new Set(this.coolingDown.keys()), now }
    const placed = this.opts.placement === 'lru' ? { ...decide(input), elsewhere: [] } : place({ ...input, region })
    let decision = limitToCard(placed, { settings, held, offered, freeBytes })
    // The card is short of what placement wants: browsed blocks are only a cache, so they go before any mirror
    // does, and for a new mirror when giving them back makes it fit (not merely because one does not).
    const browsed = this.opts.browsed
    const cardSkips = (d: PlacementDecision) => d.skipped.length - placed.skipped.length
    const ifCleared = () => limitToCard(placed, { settings, held, offered, freeBytes: freeBytes === null ? null : freeBytes + browsed!.bytes })
    if (browsed && browsed.bytes > 0 && (decision.evict.some(e => e.disk === true) || (cardSkips(decision) > 0 && cardSkips(ifCleared()) < cardSkips(decision)))) {
      await browsed.clear()
      freeBytes = await this.freeBytes()
      decision = limitToCard(placed, { settings, held, offered, freeBytes })
    }
    for (const { key, reason, disk } of decision.evict) {
      const title = library.get(key)?.info.title || library.record(key)?.title || key.slice(0, 8)
      const why = disk ? 'the card is too full to complete it' : reason === 'no-space' ? 'disk cap reached, least recently used' : reason === 'too-large' ? 'larger than the per-drive cap' : 'no peer sent its metadata'
      log.info(`evicting "${title}" (${why})`)
      // Free space, not time, decides when a drive the card could not hold comes back.
      if (!disk) this.coolingDown.set(key, now + COOL_DOWN_MS)
      else this.seenBytes.set(key, held.find(h => h.key === key)?.bytes ?? 0)
      this.evictions.push({ key, title, reason, at: now })
      if (this.evictions.length > 50) this.evictions.shift()
      await library.remove(key)
    }
    this.skipped.clear()
    for (const { key, reason } of decision.skipped) this.skipped.set(key, reason)
    for (const key of decision.elsewhere) this.skipped.set(key, 'elsewhere')
    // Just evicted: peers may still offer them, and the next review would say the same.
    for (const { key, disk } of decision.evict) this.skipped.set(key, disk ? 'no-space' : 'cooling-down')
    for (const key of decision.mirror) {
      if (this.isClosing) return
      const offer = this.offers.get(key)
      log.info(`mirroring "${offer?.entry.title || key.slice(0, 8)}"`)
      await library.addMirror(key, { title: offer?.entry.title }).catch((err) => log.warn(`cannot mirror ${key.slice(0, 8)}: ${err.message}`))
    }
    if (decision.evict.length || decision.mirror.length) this.emit('changed')
  }

  /** Says once when the card fills and once when space is back; keeps the ballast while there is room. */
  private noteDisk (freeBytes: number | null): void {
    const reserve = this.opts.settings.reserveBytes ?? 0
    const full = diskFull(freeBytes, reserve)
    if (full !== this.diskFull) {
      const mb = (n: number) => `${Math.floor(n / 1e6)} MB`
      if (full) log.warn(`disk full: ${mb(freeBytes!)} free, ${mb(reserve)} should be kept free for the storage; mirroring nothing new until space is freed`)
      else log.info(`disk space is back: ${mb(freeBytes ?? 0)} free; mirroring resumes`)
      this.diskFull = full
    }
    if (!full) this.opts.library.keepBallast().catch((err: Error) => log.debug(`ballast: ${err.message}`))
  }
}
