// One drive in the library: its Hyperdrive session, what it holds, and how much of it is local.
// Figures are cached per version: recounting a drive's files on every status request would be a
// Hyperbee scan on a slow SD card.
import type { Hyperdrive } from '../holepunch-modules.js'
import { DeferredBlobsDrive } from './deferred-blobs-drive.js'
import { Hypercore } from '../holepunch-modules.js'
import type Corestore from 'corestore'
import { keyText } from './drive-key.js'
import { Resource } from '../lifecycle/resource.js'
import type { GarbagePacer } from './garbage-pacer.js'
import { logger } from '../log.js'
import { gapRanges, keptEnd, keptRanges, type BlockRange } from './blob-ranges.js'
import { listCheckout } from './metadata-read-ahead.js'

const log = logger('drive')

/** Where a drive keeps its own title and description, so they travel with it to every mirror. */
export const DRIVE_INFO_PATH = '/.p2p-portal/drive.json'
export const HIDDEN_PREFIX = '/.p2p-portal/'

/** The node's own files in a drive (its metadata), never shown, listed, written by a user or published from disk. */
export function isHidden (path: string): boolean {
  return path === HIDDEN_PREFIX.slice(0, -1) || path.startsWith(HIDDEN_PREFIX)
}
const MAX_CACHED_ENTRIES = 1000
// What a mirror asks one peer for at once, in bytes of file blocks (see fitInflight()). Each block asked for is
// held in memory until it is verified and written, on both ends, and copied on the way (Noise frame, plaintext).
const INFLIGHT_BYTES = 6 * 1024 * 1024
// hypercore's own minimum (its default range is [16, 512]): small blocks keep its request window.
const MAX_INFLIGHT_MIN = 16
const MIN_INFLIGHT_MIN = 2
const MAX_INFLIGHT_BLOCKS = 512
const BLOCK_SIZE_GUESS = 512 * 1024
// A count lists the whole drive, and what follows it ('counted': library.json, the catalogue, the search index)
// runs each time; an import or a live upload makes a version per file. Counted back to back, a 5,000-file import
// was counted 655 times once a listing got cheap (metadata-read-ahead.ts), and took twice as long. So a count
// starts no sooner than COUNT_PACE times as long as the last one took after it ended, and at least
// COUNT_PAUSE_MIN_MS, at most COUNT_PAUSE_MAX_MS after: figures still follow within a second or two, counting
// takes at most a quarter of the node's time, and a change after a quiet spell is counted at once.
const COUNT_PACE = 3
const COUNT_PAUSE_MIN_MS = 500
const COUNT_PAUSE_MAX_MS = 2000
// A mirror short of its latest version, with a peer attached, that has received no file block for this long asks
// its peers again: for their length (an upgrade) and for every block it still needs. Once, in a fresh-clone CI run
// under load, a mirror stayed short for 120 s with its publisher connected and complete: the file tree at the new
// version, the file bytes' core still at its old length (the publisher's new length never reached it) and nothing
// asked for. Whatever loses a request or a length in the replicator, asking again repairs it.
export const MIRROR_STALL_MS = 20_000

export interface DriveInfo { title: string, description: string }

export interface BlobRef { blockOffset: number, blockLength: number, byteOffset: number, byteLength: number }

export interface DriveFigures {
  version: number
  files: number
  bytes: number
  localBytes: number
  /** False until the drive's metadata has arrived from a peer (mirrors only). */
  known: boolean
}

/** What the last count found, kept in library.json so a restarted node can show it before counting again. */
export interface RememberedFigures { version: number, files: number, bytes: number, localBytes: number, description: string }

export interface LibraryDriveOptions {
  store: Corestore
  key?: Buffer | null
  /** For own drives: the corestore namespace that derives the drive's writable key pair. */
  namespace?: string
  own: boolean
  /** Mirror live: fetch the blocks of each new version as it arrives (not those it superseded: see fetchKept()). */
  download?: boolean
  /**
   * Browsed, not held (browse-cache.ts): the file tree is kept live, file blocks are fetched only when read.
   * `fetchedBytes` counts what arrived, for the cache's bound.
   */
  sparse?: boolean
  /** The last count's figures: if they are of the version found at open, open() does not wait for a count. */
  remembered?: RememberedFigures
  /** Told of every file block received or sent (garbage-pacer.ts). */
  garbage?: GarbagePacer
  /** Mirrors: how long without a file block, while short of the latest version and with a peer, before asking again. */
  stallMs?: number
}

/** What a reclaim gave back: blocks of superseded versions cleared, and about how many bytes they held. */
export interface Reclaimed { version: number, blocks: number, bytes: number }

export interface ImportProgress { files: number, done: number, finalBytes: number }

export class LibraryDrive extends Resource {
  readonly own: boolean
  readonly sparse: boolean
  /** Bytes of blocks fetched from peers since this session opened (sparse drives: what the browse cache holds). */
  fetchedBytes = 0
  private readers = 0
  /** Null until the drive's cores open (hyperdrive()): a remembered mirror's open after the node is ready. */
  private madeDrive: DeferredBlobsDrive | null = null
  private coresOpening: Promise<DeferredBlobsDrive> | null = null
  private readonly makeDrive: () => DeferredBlobsDrive
  private readonly givenKey: Buffer | null
  private givenDiscoveryKey: Buffer | null = null
  /** A mirror opened with a count of its last run: its cores open after the node is ready (Library.finishOpening). */
  private readonly coresWait: boolean
  info: DriveInfo = { title: '', description: '' }
  /**
   * Set while a shared folder's or a USB stick's files are written into this drive, until its count has caught up:
   * for the status page, and so peers are offered the size the drive will have once the folder is in
   * (`finalBytes`), not one that grows under them.
   */
  importing: ImportProgress | null = null
  /**
   * True while the folder of a new shared drive is walked for the first time: its size is not known yet, so the
   * drive is not offered to peers (they would place it by a size it is about to outgrow).
   */
  unsized = false
  private figures: DriveFigures = { version: 0, files: 0, bytes: 0, localBytes: 0, known: false }
  private blobs: BlobRef[] = []
  private countedVersion = -1
  private infoPending = false
  private awaitingMetadata = false
  private recount: Promise<void> | null = null
  private localTimer: NodeJS.Timeout | null = null
  private localCounting = false
  /** Counts of local blocks started so far: only the latest one started may write its result. */
  private localCounts = 0
  /** null until the first count: a drive already complete when the node starts is not announced again. */
  private reportedComplete: boolean | null = null
  /** File blocks arrived from a peer since a version was last counted complete, and which version that was. */
  private blocksArrived = false
  private completeVersion = -1
  private downloads: Array<{ destroy (): void }> = []
  /** Range downloads of the blocks the latest counted version needs (mirrors); replaced at each new version. */
  private blockDownloads: Array<{ destroy (): void }> = []
  private readonly stallMs: number
  private stallTimer: NodeJS.Timeout | null = null
  private lastBlockAt = 0
  private askingLength: Promise<unknown> | null = null
  /** Times the mirror asked again since its last file block (logged once per stall: see checkStall). */
  private stallAsks = 0
  private wantedRanges = ''
  /** The blocks the latest counted version needs, file data and the node's own files alike. */
  private kept: BlockRange[] = []
  private reclaimedVersion = -1
  private reclaiming: Promise<Reclaimed | null> | null = null
  /** Writes and reclaims of this drive, one at a time: a reclaim must never clear the blocks of a file being written. */
  private writes: Promise<unknown> = Promise.resolve()
  private readonly entries = new Map<string, any>()
  private entriesVersion = -1
  private readonly wantDownload: boolean
  private readonly remembered: RememberedFigures | null
  private readonly garbage: GarbagePacer | null
  private purging = false

  constructor (opts: LibraryDriveOptions) {
    super()
    this.own = opts.own
    this.wantDownload = !!opts.download
    this.sparse = !!opts.sparse && !opts.download
    this.remembered = opts.remembered ?? null
    this.garbage = opts.garbage ?? null
    this.stallMs = opts.stallMs ?? MIRROR_STALL_MS
    this.givenKey = opts.key ?? null
    // A mirror opened with its last count shows that count until the library counts it again, once the node is
    // ready: its cores wait until then too, file tree and file bytes (deferred-blobs-drive.ts, Library.finishOpening).
    const deferBlobs = !this.own && !this.sparse && this.remembered !== null
    this.coresWait = deferBlobs && this.givenKey !== null && this.remembered!.version > 1
    this.makeDrive = () => new DeferredBlobsDrive(opts.namespace ? opts.store.namespace(opts.namespace) : opts.store.session(), this.givenKey, { deferBlobs })
    // Hypercore opens a core as soon as it is made (reads its header, tree roots and bitfield): made here, a
    // drive's cores open with it.
    if (!this.coresWait) this.madeDrive = this.makeDrive()
  }

  /**
   * The drive's Hyperdrive. Own drives, browsed drives and mirrors without a remembered count have it from open();
   * a remembered mirror only once its cores are open (hyperdrive()): code that may meet one awaits hyperdrive().
   */
  get drive (): DeferredBlobsDrive {
    if (this.madeDrive === null) throw new Error(`drive ${this.id.slice(0, 8)}: its cores are not open yet (await hyperdrive() first)`)
    return this.madeDrive
  }

  /** The drive's Hyperdrive, its cores opened first if they were left for after the start. */
  hyperdrive (): Promise<DeferredBlobsDrive> {
    this.coresOpening ??= this.openCores()
    return this.coresOpening
  }

  /** Whether the drive's cores are open yet (see hyperdrive()). */
  get coresOpen (): boolean { return this.madeDrive !== null && this.madeDrive.opened }

  get key (): Buffer { return this.madeDrive?.key ?? this.givenKey! }
  get id (): string { return keyText(this.key) }
  /** The latest version here; a drive whose cores wait says the version of its last count. */
  get version (): number { return this.madeDrive?.opened ? this.madeDrive.version : this.figures.version }
  get discoveryKey (): Buffer {
    if (this.madeDrive !== null) return this.madeDrive.discoveryKey
    this.givenDiscoveryKey ??= Hypercore.discoveryKey(this.givenKey!) as Buffer
    return this.givenDiscoveryKey
  }
  /** Changes when the drive's history was truncated: the same name and offset may then hold other bytes. */
  get fork (): number { return this.madeDrive?.core.fork ?? 0 }
  /** The file-bytes store if it is loaded yet (it is once the library has finished opening, or a file was read). */
  get loadedBlobs (): any { return this.madeDrive?.blobs ?? null }
  /** The file-bytes store, loaded on first use. */
  async fileBlobs (): Promise<any> { return await (await this.hyperdrive()).getBlobs() }

  /**
   * The entry for a path if its metadata is here now, or null: never waits for a peer. Lookups of an entry
   * that is not here, or of a drive being closed, are answered null rather than thrown: the caller treats both
   * as "no such file here".
   */
  localEntry (name: string): Promise<any | null> {
    return this.hyperdrive().then(d => d.entry(name, { wait: false })).catch(() => null)
  }

  /** The entries directly in `folder` (or every one under it), from what is here now: never waits for a peer. */
  localList (folder: string, opts: { recursive?: boolean } = {}): AsyncIterable<any> {
    const list = { recursive: opts.recursive ?? false, wait: false }
    if (this.coresOpen) return this.drive.list(folder, list)
    const hyperdrive = () => this.hyperdrive()
    return (async function * () { yield * (await hyperdrive()).list(folder, list) })()
  }

  protected override async _open (): Promise<void> {
    const seen = this.remembered
    if (this.coresWait) { this.showRemembered(seen!); return }
    const drive = await this.hyperdrive()
    if (seen === null || seen.version !== drive.version || seen.version <= 1) {
      await this.openFileData()
      await this.refresh()
      return
    }
    this.showRemembered(seen)
  }

  /**
   * Counting a drive (its whole file listing, then a bitfield lookup per file) was most of what 100 drives add to
   * a start, and opening their cores most of the rest (bench/README.md, "Start"): figures counted at this very
   * version are shown meanwhile. The library counts the drive once the node is ready (Library.finishOpening), a
   * change counts it at once, and refresh() still waits for a real count.
   */
  private showRemembered (seen: RememberedFigures): void {
    this.figures = { version: seen.version, files: seen.files, bytes: seen.bytes, localBytes: seen.localBytes, known: true }
    if (!this.info.description) this.info.description = seen.description
    // A mirror that was incomplete when counted and completes before its first count here still says so.
    this.reportedComplete = seen.localBytes >= seen.bytes
  }

  private async openCores (): Promise<DeferredBlobsDrive> {
    if (this.isClosing && this.madeDrive === null) throw new Error(`drive ${this.id.slice(0, 8)} was closed before its cores opened`)
    this.madeDrive ??= this.makeDrive()
    await this.madeDrive.ready()
    this.watchCores()
    return this.madeDrive
  }

  private watchCores (): void {
    this.drive.core.on('append', () => this.onAppend())
    this.drive.core.on('truncate', () => this.onAppend())
    // Metadata still arriving: count once all of it is here (a partial Hyperbee lists a partial drive).
    this.drive.core.on('download', (_index: number, bytes: number) => {
      if (this.sparse) this.fetched(bytes)
      if (this.awaitingMetadata && this.metadataComplete()) {
        this.awaitingMetadata = false
        this.countedVersion = -1
        this.onAppend()
      }
    })
    this.drive.on('blobs', (blobs: any) => { this.fileDataOpened(blobs); this.scheduleLocalCount() })
    if (this.drive.blobs) this.fileDataOpened(this.drive.blobs)
    // The file tree live (end: -1: every future version too): it is small, and each version's tree builds on the
    // blocks of the versions before. A mirror's file blocks are asked for once its blobs core is open (fetchKept).
    if (this.wantDownload || this.sparse) this.downloads.push(this.drive.core.download({ start: 0, end: -1 }))
  }

  /** Not counted since it was opened: its figures are the ones remembered from the last run. */
  get countPending (): boolean { return this.countedVersion === -1 }

  /**
   * Opens the file bytes' core if it is not open yet, without waiting for a peer; if its key has not arrived, it
   * opens when it does. What follows from it opening (downloads, counts) starts from the 'blobs' event.
   */
  async openFileData (): Promise<void> {
    if (this.isClosing || (await this.hyperdrive()).blobs || this.isClosing) return
    if (await this.drive.openBlobsHere() || this.isClosing) return
    this.drive.getBlobs().catch((err: Error) => { if (!this.isClosing) log.warn(`${this.id.slice(0, 8)}: cannot open file data: ${err.message}`) })
  }

  /** Wires up the file bytes' core once it is open: the garbage pacer, and the mirror's or the browse cache's fetching. */
  private fileDataOpened (blobs: any): void {
    this.watchBlocks(blobs.core)
    if (this.wantDownload) {
      // File blocks: the ranges the latest version needs and everything after them (fetchKept), so a mirror never
      // fetches what a newer version already replaced, and what it reclaims is not fetched again.
      fitInflight(blobs.core)
      this.fetchKept()
      blobs.core.on('download', () => { this.blocksArrived = true; this.lastBlockAt = Date.now(); this.stallAsks = 0; this.onBlobDownload(blobs.core) })
      blobs.core.on('append', () => { fitInflight(blobs.core); this.scheduleLocalCount() })
    }
    // Browsed drives: file blocks come only when a visitor reads them (hyperblobs' read stream asks peers for them).
    if (this.sparse) blobs.core.on('download', (_index: number, bytes: number) => this.fetched(bytes))
  }

  protected override async _close (): Promise<void> {
    await this.coresOpening?.catch(() => null)
    if (this.localTimer) clearTimeout(this.localTimer)
    if (this.stallTimer) clearTimeout(this.stallTimer)
    for (const d of [...this.downloads, ...this.blockDownloads]) d.destroy()
    // A reclaim in progress ends at its next range (isClosing); its cleared ranges are whole RocksDB batches.
    await this.reclaiming?.catch(() => null)
    if (!this.purging) { await this.madeDrive?.close(); return }
    // Deleted before its cores opened: opened now, only to be deleted.
    this.madeDrive ??= this.makeDrive()
    // Closes every session of both cores, then deletes each from the store: blocks, tree and bitfield (hypercore
    // 11.39 with hypercore-storage 3.3.2; before, purge() called a method its core lacked, and the store's
    // deleteCore() left the tree and bitfield behind). The same drive must not be opened again before this ends:
    // hypercore would resume the stored core while it is being deleted (Library.deleted, BrowseCache).
    await this.drive.purge().catch(async (err: Error) => {
      log.warn(`${this.id.slice(0, 8)}: could not delete the drive's data: ${err.message}`)
      await this.drive.close().catch(() => { /* being deleted: a failed close loses nothing */ })
    })
  }

  /**
   * The entry for a path in the latest version (symlinks followed), or null. Cached per version: every file
   * request needs one, and a Hyperbee lookup is several storage reads.
   */
  async lookup (name: string, opts: { timeout?: number } = {}): Promise<any> {
    const drive = await this.hyperdrive()
    const version = drive.version
    if (this.entriesVersion !== version) { this.entries.clear(); this.entriesVersion = version }
    const hit = this.entries.get(name)
    if (hit !== undefined) return hit
    const entry = await drive.entry(name, { follow: true, ...opts })
    if (this.entriesVersion === version) {
      if (this.entries.size >= MAX_CACHED_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(name, entry)
    }
    return entry
  }

  /** What the last count found, at the version it counted (which `snapshot()` may already be past): kept to open faster next time. */
  countedFigures (): RememberedFigures | null {
    const f = this.figures
    return f.known ? { version: f.version, files: f.files, bytes: f.bytes, localBytes: f.localBytes, description: this.info.description } : null
  }

  /**
   * Figures for the status API and the catalogue. Cheap: served from the cache, refreshed in the background.
   * Once counted, `version` is the version the figures describe, not a newer one still being counted: a status
   * that paired a new version with the old version's files and bytes would call that version complete before
   * its last file is here.
   */
  snapshot (): DriveFigures {
    const f = this.figures
    return { ...f, version: f.known ? f.version : this.version }
  }

  /**
   * File data this drive's blob store holds here: the latest version's bytes held, plus blocks of superseded
   * versions (or of a file still being written, whose blocks come before its entry) not reclaimed yet.
   * `bytes` and `localBytes` are the same figure: what the store really uses now.
   */
  storeFigures (): { bytes: number, localBytes: number } {
    const core = this.madeDrive?.blobs?.core
    // Not opened yet (see openFileData): what the drive held when last counted.
    if (!core) return { bytes: this.figures.localBytes, localBytes: this.figures.localBytes }
    if (!core.length) return { bytes: 0, localBytes: 0 }
    const bitfield = core.core?.bitfield
    // hypercore 11's contiguousByteLength is always 0, and block sizes are not in memory: blocks not kept by the
    // latest version are charged the core's average block size (blocks are 512 KiB but for each file's last).
    const average = core.byteLength / core.length
    if (typeof bitfield?.countSet !== 'function') {
      const estimate = Math.floor(average * core.contiguousLength)
      return { bytes: estimate, localBytes: estimate }
    }
    let keptHeld = 0
    for (const r of this.kept) if (r.start < core.length) keptHeld += bitfield.countSet(r.start, Math.min(r.end, core.length) - r.start)
    const extra = Math.max(0, bitfield.countSet(0, core.length) - keptHeld)
    const held = this.figures.localBytes + Math.floor(extra * average)
    return { bytes: held, localBytes: held }
  }

  /** The cores peers replicate this drive on: metadata once open, and the file bytes once loaded (see core-peers.ts). */
  replicatedCores (): { metadata: any | null, blobs: any | null } {
    return { metadata: this.madeDrive?.core ?? null, blobs: this.madeDrive?.blobs?.core ?? null }
  }

  /** Waits until the figures describe the current version. */
  async refresh (): Promise<DriveFigures> {
    await this.hyperdrive()
    while (this.countedVersion !== this.drive.version && !this.isClosing) await this.recountToLatest()
    return this.snapshot()
  }

  private onAppend (): void {
    this.emit('update', this.drive.version)
    this.recountToLatest().catch((err) => { if (!this.isClosing) log.warn(`${this.id.slice(0, 8)}: recount failed: ${err.message}`) })
  }

  /**
   * One counting loop per drive: a version appended while a count runs is counted right after it, so the
   * figures catch up with the drive's latest version.
   */
  private recountToLatest (): Promise<void> {
    this.recount ??= (async () => {
      while (this.countedVersion !== this.drive.version && !this.isClosing) {
        // Versions coming one after another (an import, a live upload): the count waits its turn (see COUNT_PACE).
        const wait = this.nextCountAt - performance.now()
        if (wait > 0) await pauseFor(wait)
        if (this.isClosing) break
        const started = performance.now()
        const listed = await this.count()
        const took = performance.now() - started
        if (listed) this.nextCountAt = performance.now() + Math.min(COUNT_PAUSE_MAX_MS, Math.max(COUNT_PAUSE_MIN_MS, COUNT_PACE * took))
      }
    })().finally(() => { this.recount = null })
    return this.recount
  }

  private metadataComplete (): boolean {
    return this.drive.core.contiguousLength >= this.drive.core.length
  }

  /** When the next count may start (performance.now()): see COUNT_PACE. */
  private nextCountAt = 0

  /** Counts the latest version; true if it read the file tree, whole or until a block was missing (and so paces the next count). */
  private async count (): Promise<boolean> {
    const version = this.drive.version
    if (!this.metadataComplete()) {
      // Counted again from the 'download' handler once the rest of the metadata is local.
      this.awaitingMetadata = true
      this.countedVersion = version
      // A first copy fetches file blocks while its file tree still arrives: it knows no version's needs yet, so it
      // asks for every block, live, from the first (on 5,000 small files, file tree then file bytes one after the
      // other took 6.2 s, side by side 4.6). A copy counted before waits for its count: what it gave back is not
      // fetched again.
      if (this.remembered === null && this.kept.length === 0 && !this.figures.known) this.fetchKept()
      return false
    }
    if (version <= 1) {
      this.countedVersion = version
      // An own drive with nothing in it yet is known (empty); a mirror at version 1 has not heard from its peer.
      this.figures.known = this.own
      this.figures.version = version
      return false
    }
    const snap = this.drive.checkout(version)
    try {
      const blobs: BlobRef[] = []
      const kept: BlobRef[] = []
      let bytes = 0
      let info: DriveInfo | null = null
      for await (const entry of listCheckout(snap)) {
        const blob = entry.value.blob as BlobRef | null
        if (blob) kept.push(blob)
        if (entry.key === DRIVE_INFO_PATH) {
          info = await this.readInfo(snap)
          // Its bytes travel in the blobs core, which may lag the metadata: read again as blocks arrive.
          this.infoPending = info === null
          continue
        }
        if (isHidden(entry.key)) continue
        if (blob) { blobs.push(blob); bytes += blob.byteLength } else blobs.push({ blockOffset: 0, blockLength: 0, byteOffset: 0, byteLength: 0 })
      }
      if (info) this.info = info
      this.blobs = blobs
      this.kept = keptRanges(kept)
      this.figures = { version, files: blobs.length, bytes, localBytes: this.figures.localBytes, known: true }
      this.countedVersion = version
      this.fetchKept()
      await this.countLocal()
      this.emit('counted', this.snapshot())
      return true
    } catch (err) {
      // Metadata not local yet: the count is retried as blocks arrive (see open()).
      if ((err as { code?: string }).code !== 'BLOCK_NOT_AVAILABLE') throw err
      this.countedVersion = version
      this.figures.known = false
      return true
    } finally {
      await snap.close().catch(() => { /* a read-only snapshot holds nothing to lose */ })
    }
  }

  private async readInfo (snap: Hyperdrive): Promise<DriveInfo | null> {
    try {
      const buf = await snap.get(DRIVE_INFO_PATH, { wait: false })
      if (!buf || buf.length > 8192) return null
      const parsed = JSON.parse(buf.toString('utf8'))
      return {
        title: String(parsed.title ?? '').slice(0, 120),
        description: String(parsed.description ?? '').slice(0, 1000)
      }
    } catch {
      return null
    }
  }

  /** Bytes of the latest version held here: whole files by the bitfield, partial files by their blocks. */
  private async countLocal (): Promise<void> {
    // Never wait for the blobs core here: its key arrives with the drive's header, and 'blobs' triggers a recount.
    const blobs = this.drive.blobs
    // Before the first count the files' blocks are not known: the remembered figures stand until it.
    if (!blobs || this.countPending) return
    const core = blobs.core
    // A block's arrival and a new version's count each start a count: on a busy card the one of the version before
    // can finish last, and its figure, written over the new version's, stayed until the next block came (a mirror
    // "stuck" short of a version it held whole). The newest count started is the one that stands.
    const mine = ++this.localCounts
    const files = this.blobs
    let local = 0
    for (const b of files) {
      if (b.byteLength === 0) continue
      if (await core.has(b.blockOffset, b.blockOffset + b.blockLength)) { local += b.byteLength; continue }
      let held = 0
      for (let i = b.blockOffset; i < b.blockOffset + b.blockLength; i++) if (await core.has(i)) held++
      local += Math.floor(b.byteLength * held / b.blockLength)
    }
    if (mine !== this.localCounts || this.isClosing) return
    this.figures.localBytes = local
    const f = this.figures
    const complete = f.known && local >= f.bytes
    // A mirror that keeps up with a live upload holds every block by the time the new version's entry arrives:
    // that version is complete without ever having counted short, and is reported all the same (its 'complete'
    // flushes the memtable, which otherwise kept up to 8 MiB of the last blocks until later writes filled it).
    const news = this.reportedComplete === false || (this.reportedComplete === true && this.blocksArrived && f.version > this.completeVersion)
    if (complete && f.version !== this.completeVersion) { this.completeVersion = f.version; this.blocksArrived = false }
    // A browsed drive read to the end is still only cached here: not announced as a complete copy.
    if (complete && news && !this.own && !this.sparse) {
      log.info(`"${this.info.title || this.id.slice(0, 8)}" complete: ${f.files} files, ${(f.bytes / 1e6).toFixed(1)} MB, version ${f.version}`)
      this.emit('complete')
    }
    this.reportedComplete = complete
    if (!this.own && this.wantDownload) this.watchForStall(complete)
    // A mirror holding all of the latest version gives back what superseded versions left (own drives reclaim
    // when their publisher has finished writing: reclaim()).
    if (complete && !this.own && this.wantDownload && this.reclaimedVersion !== f.version) {
      this.reclaim().catch((err: Error) => { if (!this.isClosing) log.warn(`${this.id.slice(0, 8)}: reclaiming old versions failed: ${err.message}`) })
    }
  }

  private scheduleLocalCount (): void {
    if (this.localTimer || this.isClosing) return
    // Blocks arrive hundreds per second during a sync: recount at most twice a second.
    this.localTimer = setTimeout(() => {
      this.localTimer = null
      this.countLocalNow()
    }, 500)
  }

  private countLocalNow (): void {
    if (this.isClosing) return
    if (this.localCounting) { this.scheduleLocalCount(); return }
    this.localCounting = true
    this.countLocal().then(async () => {
      if (this.infoPending) {
        const info = await this.readInfo(this.drive)
        if (info) { this.info = info; this.infoPending = false; this.emit('counted', this.snapshot()) }
      }
      this.emit('progress', this.snapshot())
    }, (err: Error) => log.debug(`${this.id.slice(0, 8)}: counting local blocks failed: ${err.message}`)).finally(() => { this.localCounting = false })
  }

  private onBlobDownload (core: any): void {
    // The first block and the last missing one are counted at once: "serving" and "complete" show when they happen.
    if (core.contiguousLength >= core.length || this.figures.localBytes === 0) this.countLocalNow()
    else this.scheduleLocalCount()
  }

  /** Mirrors short of the latest version: checks every so often that file blocks still arrive (MIRROR_STALL_MS). */
  private watchForStall (complete: boolean): void {
    if (complete || this.isClosing) {
      if (this.stallTimer) { clearTimeout(this.stallTimer); this.stallTimer = null }
      return
    }
    if (this.stallTimer) return
    this.lastBlockAt = Math.max(this.lastBlockAt, Date.now() - this.stallMs / 2)
    this.stallTimer = setTimeout(() => { this.stallTimer = null; this.checkStall() }, this.stallMs / 2).unref()
  }

  private checkStall (): void {
    const blobs = this.drive.blobs
    if (this.isClosing || this.reportedComplete !== false || !blobs) return
    const quiet = Date.now() - this.lastBlockAt
    const peers: number = blobs.core.peers?.length ?? 0
    if (quiet >= this.stallMs && peers > 0) {
      // Said once per stall: peers that hold none of what is missing are asked every MIRROR_STALL_MS, and the
      // journal is on the SD card.
      const say = this.stallAsks++ === 0 ? log.info : log.debug
      say(`${this.id.slice(0, 8)}: no file block for ${Math.round(quiet / 1000)} s from ${peers} peer(s) while short of version ${this.figures.version}: asking again`)
      this.lastBlockAt = Date.now()
      this.askingLength ??= blobs.core.update({ wait: true }).catch(() => false).finally(() => { this.askingLength = null })
      this.wantedRanges = ''
      this.fetchKept()
    }
    this.watchForStall(false)
  }

  private watchBlocks (core: any): void {
    const garbage = this.garbage
    if (garbage === null) return
    core.on('download', (_index: number, bytes: number) => garbage.noteQuietly(bytes))
    core.on('upload', (_index: number, bytes: number) => garbage.note(bytes))
  }

  /**
   * Mirrors: asks peers for the blocks of the latest counted version, and live for every block after them: a
   * publisher appends a file's blocks before its entry, so the next version's bytes are here by the time its
   * metadata is (a change reaches phones within seconds). Superseded blocks are all before the latest version's
   * last one, outside every range asked for, so what reclaim() clears is never fetched again. The new ranges are
   * asked for before the old ones are dropped, so blocks both need stay wanted; a restart asks again for what is
   * still missing, which is how an interrupted download resumes.
   */
  private fetchKept (): void {
    const blobs = this.drive.blobs
    if (!this.wantDownload || !blobs || this.isClosing || this.countedVersion <= 1) return
    const ranges = [...this.kept, { start: keptEnd(this.kept), end: -1 }]
    const wanted = ranges.map(r => `${r.start}-${r.end}`).join(',')
    if (wanted === this.wantedRanges) return
    this.wantedRanges = wanted
    const previous = this.blockDownloads
    this.blockDownloads = ranges.map(r => blobs.core.download({ start: r.start, end: r.end }))
    for (const d of previous) d.destroy()
  }

  /**
   * Runs `fn` alone among this drive's writes and reclaims. Writers of an own drive (uploads, --share imports,
   * the drive's title) go through here: a file's blocks are written before its entry, and a reclaim must not
   * take them for a superseded version's.
   */
  exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const next = this.writes.then(fn, fn)
    this.writes = next.catch(() => { /* the caller gets the error from next; the queue only orders */ })
    return next
  }

  /**
   * Clears the file blocks that the latest version no longer needs: those of superseded versions, and of files
   * whose write was cut off (an interrupted import). The latest version's blocks are never touched, so a power
   * cut mid-reclaim loses nothing it needs: each cleared range is one atomic RocksDB batch, and the next reclaim
   * clears the rest. The space on disk comes back when the store compacts (Library.compactSoon, on 'reclaimed').
   * Own drives: everything past the latest version's blocks goes too (no write runs meanwhile: exclusive()). Mirrors:
   * only below the latest version's last block, since blocks after it may belong to a version still arriving.
   */
  reclaim (): Promise<Reclaimed | null> {
    this.reclaiming ??= (this.own ? this.exclusive(() => this.reclaimNow()) : this.reclaimNow())
      .finally(() => { this.reclaiming = null })
    return this.reclaiming
  }

  private async reclaimNow (): Promise<Reclaimed | null> {
    // Nothing of it has been counted yet (its cores wait for the start to end): nothing is known to be superseded.
    if (!this.coresOpen) return null
    const blobs = this.own ? await this.drive.getBlobs() : this.drive.blobs
    const version = this.drive.version
    if (!blobs || this.isClosing || version <= 1 || !this.metadataComplete()) return null
    const core = blobs.core
    const length: number = core.length
    // A mirror reclaims right after counting the version it completed: the count's ranges are that version's, and
    // listing a large drive again at every version of a first import would be work for nothing.
    const kept = !this.own && this.countedVersion === version ? this.kept : await this.keptAt(version)
    const bitfield = core.core?.bitfield
    if (typeof bitfield?.countSet !== 'function') return null
    let keptHeld = 0
    for (const r of kept) if (r.start < length) keptHeld += bitfield.countSet(r.start, Math.min(r.end, length) - r.start)
    // Nothing held beyond what the latest version needs: the usual case, answered from the bitfield alone.
    if (bitfield.countSet(0, length) === keptHeld) { this.reclaimedVersion = version; return { version, blocks: 0, bytes: 0 } }
    if (!this.own) {
      // A reclaim only of what is all here: a block the latest version needs and lacks is still being fetched.
      for (const r of kept) if (!await core.has(r.start, r.end)) return null
    }
    const gaps = gapRanges(kept, this.own ? length : keptEnd(kept)).filter(g => bitfield.countSet(g.start, g.end - g.start) > 0)
    if (gaps.length) log.info(`${this.id.slice(0, 8)}: giving back ${gaps.length} range(s) of blocks that versions before ${version} needed`)
    let blocks = 0
    let bytes = 0
    let cut = false
    for (const gap of gaps) {
      // A mirror's newer version may need some of these blocks again (a stock publisher writing two files at once
      // puts the first file's entry after the second's; a file put back): it reclaims once it is complete itself.
      // So may a version counted later than it arrived (counts are paced): that count's reclaim does the rest.
      if (this.isClosing || (!this.own && this.countedVersion !== version)) { cut = true; break }
      const cleared = await this.clearBlocks(core, gap.start, gap.end)
      blocks += cleared.blocks
      bytes += cleared.bytes
    }
    if (!this.own && this.countedVersion !== version && blocks) {
      // Counted during a clear, the newer version asked for its blocks while they were still here, so hypercore
      // took that request as done: ask again for what it needs.
      this.wantedRanges = ''
      this.fetchKept()
    }
    if (!cut) this.reclaimedVersion = version
    if (blocks) log.info(`${this.id.slice(0, 8)}: gave back ${(bytes / 1e6).toFixed(1)} MB of versions before ${version}`)
    return { version, blocks, bytes }
  }

  /** The blocks version `version` needs, from its entries (hidden ones included). */
  private async keptAt (version: number): Promise<BlockRange[]> {
    const snap = this.drive.checkout(version)
    const refs: BlobRef[] = []
    try {
      for await (const entry of listCheckout(snap)) if (entry.value.blob) refs.push(entry.value.blob)
    } finally {
      await snap.close().catch(() => { /* a read-only snapshot holds nothing to lose */ })
    }
    return keptRanges(refs)
  }

  /**
   * Clears blocks [start, end) of the blobs core (`core`, or the drive's) and says so with 'reclaimed', which
   * the library turns into a compaction: RocksDB gives the space back only then.
   */
  async clearBlocks (core: any, start: number, end: number): Promise<{ blocks: number, bytes: number }> {
    const length: number = core.length
    const stop = Math.min(end, length)
    if (start >= stop) return { blocks: 0, bytes: 0 }
    // A range already clear is left alone: clearing it would still write a tombstone to the SD card. One call per
    // range: hypercore (from 11.39) deletes only the tree nodes no held block outside the range needs.
    const blocks: number = await core.count(start, stop)
    if (blocks === 0) return { blocks: 0, bytes: 0 }
    await core.clear(start, stop)
    const bytes = Math.floor(blocks * core.byteLength / length)
    this.emit('reclaimed', { version: this.drive.version, blocks, bytes })
    this.scheduleLocalCount()
    return { blocks, bytes }
  }

  /** A response is streaming this drive's bytes (sparse drives: the browse cache does not evict it meanwhile). */
  get reading (): boolean { return this.readers > 0 }

  /** Marks a stream of this drive's bytes; call the returned function once, when it ends. */
  beginRead (): () => void {
    this.readers++
    let done = false
    return () => {
      if (done) return
      done = true
      if (--this.readers === 0) this.emit('read-done')
    }
  }

  private fetched (bytes: number): void {
    this.fetchedBytes += bytes
    this.emit('fetched', bytes)
  }

  /** Removes this drive from the disk (block, eviction). The drive must not be used after. */
  async purge (): Promise<void> {
    this.purging = true
    await this.close()
  }
}

function pauseFor (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref())
}

/**
 * Sizes hypercore's request window for a mirror's file blocks by their size: hypercore counts requests, not
 * bytes, and over TCP keeps 3 × its minimum in flight per peer. Its default (48 requests) is 24 MiB of 512 KiB
 * blocks — held on the mirror, and queued as encrypted frames on the peer that serves them — but only 0.5 MiB of
 * 10 KiB files, where a shorter window would leave the link idle between requests. Before the size is known
 * (nothing heard from a peer yet) the window is sized for the largest blocks this node writes.
 */
export function fitInflight (core: any): void {
  const blockBytes = core.length > 0 ? core.byteLength / core.length : BLOCK_SIZE_GUESS
  const min = Math.max(MIN_INFLIGHT_MIN, Math.min(MAX_INFLIGHT_MIN, Math.floor(INFLIGHT_BYTES / 3 / blockBytes)))
  const range = core.replicator?.inflightRange
  if (range?.[0] !== min) core.replicator?.setInflightRange?.(min, MAX_INFLIGHT_BLOCKS)
}
