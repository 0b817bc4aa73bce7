// Drives a visitor opens that this node does not hold: opened sparse on the same corestore, their file tree kept
// live and their file blocks fetched from the peers that hold them only as they are read. What arrives stays on
// the card in a bounded cache, least recently used drive evicted first (its blocks deleted), and the mirror
// empties it before it gives up any mirrored drive. A browsed drive is not in the library: it is never in the
// status's drives[], never offered in the catalogue, never counted as a copy by placement.
import path from 'node:path'
import type { Library } from './library.js'
import { LibraryDrive } from './library-drive.js'
import { StateFile } from './state-file.js'
import { parseKey } from './drive-key.js'
import { Resource } from '../lifecycle/resource.js'
import { NO_HOLDER } from '../errors.js'
import { logger } from '../log.js'

const log = logger('browse')
const MiB = 1024 * 1024
/** How long a first visit waits for a holder to send the drive's file tree before the page says none answered. */
export const FIRST_BLOCK_WAIT_MS = 10_000
const DEFAULT_SHARE = 0.05
const DEFAULT_MAX = 512 * MiB
const MAX_SEEN = 1000
const RECENT_MS = 30_000

/** The cache's bound when none is configured: 5 % of the disk cap, at most 512 MiB. */
export function defaultBrowseCacheBytes (maxTotalBytes: number): number {
  return Math.min(Math.floor(maxTotalBytes * DEFAULT_SHARE), DEFAULT_MAX)
}

export interface BrowseCacheOptions {
  library: Library
  /** The bound, read each time it is applied (the disk cap it defaults from can change at run time). */
  capBytes: () => number
  /** How long a first visit waits for the file tree; FIRST_BLOCK_WAIT_MS by default. */
  waitMs?: number
  /** A drive used this recently is not evicted yet (a visit's next page); RECENT_MS by default. */
  recentMs?: number
}

/** `lastUsed`: a use counter, not a time: two uses in the same millisecond still have an order; `usedAt`: its time. */
interface Browsed { drive: LibraryDrive, lastUsed: number, usedAt: number, ready: Promise<void> }

export class BrowseCache extends Resource {
  private readonly entries = new Map<string, Browsed>()
  /**
   * Evictions deleting a drive's data. Opening that drive again, here or in the library, waits for it: hypercore
   * would otherwise resume the stored core while the deletion removes it.
   */
  private readonly evicting = new Map<string, Promise<void>>()
  private readonly seen = new Set<string>()
  private uses = 0
  /** Keys with blocks on the card, so that what a stopped node fetched is deleted when it starts again. */
  private readonly state: StateFile<{ keys: string[] }>
  private readonly waitMs: number
  private readonly recentMs: number
  private recheck: NodeJS.Timeout | null = null
  private enforcing: Promise<unknown> | null = null
  private readonly beforeLibraryOpens = (key: string) => this.handOver(key).catch((err: Error) => log.warn(`handing ${key.slice(0, 8)} to the library: ${err.message}`))
  private readonly reconsider = () => this.enforce()

  constructor (private readonly opts: BrowseCacheOptions) {
    super()
    this.waitMs = opts.waitMs ?? FIRST_BLOCK_WAIT_MS
    this.recentMs = opts.recentMs ?? RECENT_MS
    this.state = new StateFile(path.join(opts.library.dataDir, 'browse.json'), { keys: [] })
  }

  /** Bytes of blocks the browsed drives fetched (their file trees included). */
  get bytes (): number {
    let n = 0
    for (const e of this.entries.values()) n += e.drive.fetchedBytes
    return n
  }

  get capBytes (): number { return this.opts.capBytes() }

  keys (): string[] { return [...this.entries.keys()] }
  /** Holds the drive, or is still deleting its data. */
  has (key: string): boolean { return this.entries.has(key) || this.evicting.has(key) }
  /** Browsed since this node started (evicted or not): a visitor coming back is told its holders left, not "no such drive". */
  knows (key: string): boolean { return this.seen.has(key) }

  protected override async _open (): Promise<void> {
    await this.state.load()
    // Left by the last run: its figures are gone with it, so its blocks could never be accounted for or evicted.
    const stale = this.state.value.keys.filter(k => !this.opts.library.has(k) && !this.opts.library.record(k))
    for (const key of stale) await this.purge(new LibraryDrive({ store: this.opts.library.store, key: parseKey(key), own: false, sparse: true }), true)
    if (stale.length) log.info(`deleted the blocks of ${stale.length} drive(s) browsed before the restart`)
    this.state.value.keys = []
    await this.state.flush()
    this.opts.library.beforeOpen = this.beforeLibraryOpens
  }

  protected override async _close (): Promise<void> {
    if (this.opts.library.beforeOpen === this.beforeLibraryOpens) this.opts.library.beforeOpen = null
    if (this.recheck) clearTimeout(this.recheck)
    await this.enforcing
    for (const e of this.entries.values()) {
      e.drive.off('fetched', this.reconsider)
      e.drive.off('read-done', this.reconsider)
      await e.drive.close().catch(() => { /* closing anyway: its blocks are deleted at the next start */ })
    }
    this.entries.clear()
    await this.state.flush()
  }

  /**
   * The drive, sparse, once a holder has sent its file tree; throws NO_HOLDER when none did within the wait.
   * Every call counts as a use for the least-recently-used order.
   */
  async browse (key: string): Promise<LibraryDrive> {
    if (this.isClosing) throw NO_HOLDER('This node is stopping.', { reason: 'noHolder' })
    let e = this.entries.get(key)
    if (!e) {
      await this.opts.library.deleted(key)
      await this.evicting.get(key)
      e = this.entries.get(key)
    }
    if (!e) {
      if (this.seen.size >= MAX_SEEN) this.seen.delete(this.seen.values().next().value!)
      this.seen.delete(key)
      this.seen.add(key)
      const drive = new LibraryDrive({ store: this.opts.library.store, key: parseKey(key), own: false, sparse: true })
      const entry: Browsed = { drive, lastUsed: ++this.uses, usedAt: Date.now(), ready: Promise.resolve() }
      entry.ready = this.firstOpen(entry)
      this.entries.set(key, entry)
      e = entry
    }
    e.lastUsed = ++this.uses
    e.usedAt = Date.now()
    try {
      await e.ready
    } catch (err) {
      // Not kept: the next visit asks the peers again rather than repeating this answer.
      if (this.entries.get(key) === e) await this.evict(key)
      throw err
    }
    return e.drive
  }

  private async firstOpen (e: Browsed): Promise<void> {
    const { drive } = e
    await drive.open()
    if (this.entries.get(drive.id) !== e) throw NO_HOLDER('This drive was given back on this node while it opened: try again.', { reason: 'noHolder' })
    drive.on('fetched', this.reconsider)
    drive.on('read-done', this.reconsider)
    if (!this.state.value.keys.includes(drive.id)) { this.state.value.keys.push(drive.id); this.state.changed() }
    if (drive.snapshot().known) return
    await new Promise<void>((resolve, reject) => {
      const done = () => { clearTimeout(timer); drive.off('counted', counted) }
      const counted = () => { if (drive.snapshot().known) { done(); resolve() } }
      const timer = setTimeout(() => { done(); reject(NO_HOLDER('No node that holds this drive answered in time: it may have just left. Try again in a moment.', { reason: 'noHolder' })) }, this.waitMs)
      drive.on('counted', counted)
    })
  }

  /**
   * Evicts least recently used drives, one at a time, until within the bound. A drive a response is streaming, or
   * one a visitor used within `recentMs` (between the pages of one visit), waits: the check runs again when its
   * stream ends and on a timer.
   */
  private enforce (): void {
    if (this.enforcing || this.bytes <= this.capBytes || this.isClosing) return
    const now = Date.now()
    const idle = [...this.entries].filter(([, e]) => !e.drive.reading && now - e.usedAt >= this.recentMs)
    if (idle.length === 0) {
      this.recheck ??= setTimeout(() => { this.recheck = null; this.enforce() }, Math.max(1000, this.recentMs))
      this.recheck.unref()
      return
    }
    const [oldest] = idle.sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0]
    this.enforcing = this.evict(oldest)
      .catch((err: Error) => log.warn(`evicting browsed drive ${oldest.slice(0, 8)}: ${err.message}`))
      .finally(() => { this.enforcing = null; this.enforce() })
  }

  /** Deletes a browsed drive's blocks. Returns the bytes it had fetched. */
  async evict (key: string): Promise<number> {
    const e = this.entries.get(key)
    if (!e) return 0
    this.entries.delete(key)
    e.drive.off('fetched', this.reconsider)
    e.drive.off('read-done', this.reconsider)
    const bytes = e.drive.fetchedBytes
    // Taken by the library meanwhile: the blocks are a mirror's now. (Closing waits for an open under way.)
    const gone = this.opts.library.has(key)
      ? e.drive.close().catch(() => { /* the library's own session holds the data */ })
      : this.purge(e.drive, false)
    this.evicting.set(key, gone)
    await gone.finally(() => { if (this.evicting.get(key) === gone) this.evicting.delete(key) })
    this.state.value.keys = this.state.value.keys.filter(k => k !== key)
    this.state.changed()
    log.debug(`evicted browsed drive ${key.slice(0, 8)} (${(bytes / MiB).toFixed(1)} MiB)`)
    return bytes
  }

  /** Gives every browsed drive's blocks back (the mirror needs the room). Returns the bytes they had fetched. */
  async clear (): Promise<number> {
    let freed = 0
    for (const key of [...this.entries.keys()]) freed += await this.evict(key)
    if (freed > 0) log.info(`gave back ${(freed / MiB).toFixed(1)} MiB of browsed drives to make room for mirrors`)
    return freed
  }

  /** The library is taking this drive (placement chose it): its blocks become the mirror's, not deleted. */
  private async handOver (key: string): Promise<void> {
    const e = this.entries.get(key)
    if (!e) { await this.evicting.get(key); return }
    this.entries.delete(key)
    e.drive.off('fetched', this.reconsider)
    e.drive.off('read-done', this.reconsider)
    this.state.value.keys = this.state.value.keys.filter(k => k !== key)
    this.state.changed()
    await e.drive.close()
    log.info(`browsed drive ${key.slice(0, 8)} is now mirrored here`)
  }

  private async purge (drive: LibraryDrive, opening: boolean): Promise<void> {
    try {
      if (opening) await drive.open()
      await drive.purge()
      // Its blobs share blob files with mirrored drives: the room comes back when the store collects them.
      this.opts.library.compactor.reclaimed(Math.max(1, drive.fetchedBytes))
    } catch (err) {
      log.warn(`deleting browsed drive ${drive.id.slice(0, 8)}: ${(err as Error).message}`)
    }
  }
}
