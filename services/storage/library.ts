// The node's storage: one corestore (RocksDB allows a single opener, so this process owns it), the node's
// stable key pair, and the drives it holds — its own and the ones it mirrors — with their bookkeeping.
import fs from 'node:fs/promises'
import path from 'node:path'
import { Corestore, CoreStorage } from '../holepunch-modules.js'
import { LibraryDrive, DRIVE_INFO_PATH, type DriveInfo, type ImportProgress, type Reclaimed, type RememberedFigures } from './library-drive.js'
import { Resource } from '../lifecycle/resource.js'
import { StateFile } from './state-file.js'
import { GarbagePacer } from './garbage-pacer.js'
import { Ballast, BALLAST_BYTES, diskFigures, diskReserve, folderBytes, type DiskFigures } from './disk-space.js'
import { StoreCompactor } from './store-compactor.js'
import { directIoWorks } from './direct-io.js'
import { keyText, parseKey } from './drive-key.js'
import { DATA_IN_USE, DATA_NOT_WRITABLE, DRIVE_BLOCKED, DRIVE_NOT_FOUND, asDiskFull, type PortalError } from '../errors.js'
import { logger } from '../log.js'

const log = logger('library')

// RocksDB's default memtables (2 × 64 MiB) cost a node ~240 MB of RSS while a large file is written
// (measured with a 2 GB upload); a Pi Zero 2 W has 512 MB in all. Smaller memtables flush more often, which
// the append-only workload (file data goes to blob files) takes without extra writes.
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024
// RocksDB writes every mirrored block twice: into its write-ahead log as it arrives, then into a blob file when
// the memtable is flushed (and again when compaction relocates blobs). Buffered, the blob files went through the
// page cache, which is charged to the node's memory cgroup: a 256 MiB mirror took the cgroup to its 256 MiB
// limit (MemoryHigh=200M on the Pi throttles the node there) although the node itself peaked at ~130 MiB. With
// direct writes for flushes and compactions the cgroup peaked at 134–161 MiB, and the flush thread no longer
// copies every byte into the kernel; total CPU did not change measurably (bench/README.md, "CPU per mirrored
// MiB, second pass"). The write-ahead log and every read (phones, peers) stay buffered. Only where the file
// system takes O_DIRECT (direct-io.ts).

// hypercore-storage's default (0.25) has every compaction rewrite the live blobs of the oldest quarter of blob
// files. Blocks are never overwritten, so those files hold garbage only after a reclaim or a removal, and both
// ask the compactor, which forces blob collection past 15 % waste (store-compactor.ts). Left on, RocksDB copied
// a good part of a first mirror a second time while it arrived: 9-11 % of the mirror's CPU (bench/README.md,
// "CPU per mirrored MiB, third pass").
const BLOB_GC_ON_ITS_OWN = 0

// RocksDB's block cache (32 MiB by default, in the node's anonymous memory) keeps table blocks the node has read:
// tree nodes, metadata, bitfields. The kernel's page cache already holds the same file pages and gives them up
// under memory pressure; the block cache's copies the kernel can never take back. After a 5,000-file mirror it
// held ≈ 4 MiB for good (RSS 60 s after, 81.2 against 77.3 MiB without it) and would grow to its 32 MiB with a
// larger library. Without it, tables keep their index and filter blocks with them, as they did in the cache,
// and reads go to the page cache (bench/README.md, "What a 5,000-file mirror leaves").
const TABLE_BLOCKS_IN_PAGE_CACHE_ONLY = { blockCache: false, tableCacheIndexAndFilterBlocks: false }

export interface DriveRecord {
  key: string
  own: boolean
  /** Corestore namespace of an own drive (derives its key pair). */
  namespace?: string
  /** Folder published into this own drive with --share. */
  share?: string
  pinned: boolean
  followed: boolean
  addedAt: number
  lastUsed: number
  title?: string
  /**
   * The release drive (app updates, `--release-key`): kept outside the disk caps and never evicted, not shown
   * to visitors and not offered in catalogues; it still replicates to every peer that opens it.
   */
  release?: boolean
  /** The drive's last count (files, bytes, what is local, its description): shown at the next start until it is counted again. */
  counted?: RememberedFigures
}

interface LibraryState {
  drives: Record<string, DriveRecord>
  blocked: string[]
  /** The titles blocked drives had, so the admin page names them rather than showing bare keys. */
  blockedTitles: Record<string, string>
}

export interface LibraryOptions {
  dataDir: string
  store?: Corestore
  /** How soon after a reclaim the store compacts, and how rarely (store-compactor.ts); tests shorten them. */
  compactDelayMs?: number
  compactGapMs?: number
  /** How long a mirror short of its latest version waits for a file block before asking again (library-drive.ts). */
  mirrorStallMs?: number
}

export class Library extends Resource {
  readonly dataDir: string
  /** The corestore; made in open(), not before: RocksDB starts opening (and writing) as soon as it is made. */
  store!: Corestore
  keyPair: { publicKey: Buffer, secretKey: Buffer } | null = null
  /** Every drive's blocks moved, written and sent count towards the node's next full garbage collection. */
  readonly garbage = new GarbagePacer()
  private readonly drives = new Map<string, LibraryDrive>()
  private readonly openingDrives = new Map<string, Promise<LibraryDrive>>()
  /**
   * Drives whose data is being deleted. Opening one again ("Mirror again" right after an eviction) waits for it:
   * hypercore would otherwise resume the stored core while the deletion removes it, and fail outside any caller.
   */
  private readonly deletions = new Map<string, Promise<void>>()
  private state: StateFile<LibraryState>
  private readonly ballast: Ballast
  private readonly ownStore: boolean
  readonly compactor: StoreCompactor
  /** Bytes the store took on the card when last measured (measureStore). */
  storeBytes = 0
  private storeMeasured = 0
  /**
   * Runs before the library opens a drive: Hyperdrive opens a drive's file tree exclusively, so a session of it
   * that a visitor is browsing (browse-cache.ts) must hand it over first, or the library would wait for it forever.
   */
  beforeOpen: ((key: string) => Promise<void>) | null = null
  private counting: Promise<void> = Promise.resolve()
  private readonly mirrorStallMs: number | undefined

  constructor (opts: LibraryOptions) {
    super()
    this.dataDir = opts.dataDir
    this.mirrorStallMs = opts.mirrorStallMs
    this.ownStore = !opts.store
    if (opts.store) this.store = opts.store
    this.ballast = new Ballast(path.join(opts.dataDir, 'ballast'))
    this.state = new StateFile(path.join(opts.dataDir, 'library.json'), { drives: {}, blocked: [], blockedTitles: {} })
    this.compactor = new StoreCompactor({
      compact: (o) => (this.store.storage as unknown as { compact (o: object): Promise<void> }).compact(o),
      measure: async () => ({ onDisk: await this.measureStore(0), needed: this.list().reduce((n, d) => n + d.snapshot().localBytes, 0) }),
      delayMs: opts.compactDelayMs,
      minGapMs: opts.compactGapMs
    })
  }

  /**
   * Bytes the store takes on the card (what `du` says of it), measured at most once per `maxAgeMs`: status and
   * the caps ask every few seconds, and the folder holds tens of files.
   */
  async measureStore (maxAgeMs = 1000): Promise<number> {
    if (Date.now() - this.storeMeasured >= maxAgeMs) {
      this.storeBytes = await folderBytes(path.join(this.dataDir, 'store'))
      this.storeMeasured = Date.now()
    }
    return this.storeBytes
  }

  get nodeKey (): string { return keyText(this.keyPair!.publicKey) }

  protected override async _open (): Promise<void> {
    try {
      await fs.mkdir(this.dataDir, { recursive: true })
      // Checked first: RocksDB on a read-only folder reports a missing file, which points the organiser elsewhere.
      await fs.access(this.dataDir, fs.constants.W_OK)
      await this.state.load()
      await this.openStore()
    } catch (err) {
      throw asDiskFull(err) ?? dataFolderError(this.dataDir, err) ?? err
    }
    await this.keepBallast()
    // Derived from the corestore's primary key: the node keeps its identity as long as it keeps its data.
    this.keyPair = await this.store.createKeyPair('p2p-portal/node')
    const records = Object.values(this.state.value.drives)
    // Opening is local-only (no network waits), so a node with 100 drives is ready quickly.
    await Promise.all(records.map(r => this.openDrive(r).catch((err) => {
      log.warn(`cannot open drive ${r.key.slice(0, 8)}: ${err.message}`)
    })))
  }

  protected override async _close (): Promise<void> {
    this.garbage.close()
    // Stops at the drive being counted (see finishOpening).
    await this.counting
    await Promise.allSettled([...this.openingDrives.values(), ...this.deletions.values()])
    await Promise.allSettled([...this.drives.values()].map(d => d.close()))
    await this.compactor.close()
    this.drives.clear()
    await this.state.flush()
    // An open that failed before the store was made has none to close.
    if (this.store === undefined) return
    // An empty write-ahead log lets the store open again on a card that fills while the node is stopped.
    await (this.store as any).storage?.flush?.().catch(() => { /* only shortens the next start's replay; closing follows */ })
    await this.store.close()
  }

  /**
   * Finishes what opening left for after the node is ready, two drives at a time: the cores of mirrors opened with
   * the figures of their last run, file tree then file bytes (LibraryDrive.hyperdrive, deferred-blobs-drive.ts),
   * then a count of every drive opened with such figures. A start then waits neither for 200 cores nor for 100 file
   * listings, and the first visitors share the CPU with them (a drive a visitor opens first opens at once).
   */
  finishOpening (): Promise<void> {
    const queue = this.list()
    const next = async (): Promise<void> => {
      for (let d = queue.shift(); d !== undefined && !this.isClosing; d = queue.shift()) {
        const failed = (what: string) => (err: Error) => { if (!d!.isClosing) log.warn(`${what} ${d!.id.slice(0, 8)}: ${err.message}`) }
        await d.openFileData().catch(failed('opening the file data of'))
        if (d.countPending) await d.refresh().catch(failed('counting'))
      }
    }
    this.counting = Promise.all([next(), next()]).then(() => undefined)
    return this.counting
  }

  /** Keeps the ballast (see disk-space.ts) while the card has room for it beyond the reserve. */
  async keepBallast (): Promise<void> {
    const disk = await diskFigures(this.dataDir)
    if (disk && disk.free >= diskReserve(disk.size) + BALLAST_BYTES) await this.ballast.restore()
  }

  /** Free bytes on the card for drives: the room of a ballast given back to open the store does not count. */
  async freeBytes (read?: DiskFigures | null): Promise<number | null> {
    const disk = read === undefined ? await diskFigures(this.dataDir) : read
    if (!disk) return null
    return await this.ballast.held() ? disk.free : Math.max(0, disk.free - BALLAST_BYTES)
  }

  private newStore (directWrites: boolean): Corestore {
    return new Corestore(new CoreStorage(path.join(this.dataDir, 'store'), {
      writeBufferSize: WRITE_BUFFER_BYTES,
      useDirectIOForFlushAndCompaction: directWrites,
      blobGarbageCollectionAgeCutOff: BLOB_GC_ON_ITS_OWN,
      ...TABLE_BLOCKS_IN_PAGE_CACHE_ONLY
    }))
  }

  private async openStore (): Promise<void> {
    const warn = () => log.warn('the disk is full: freed the space kept for this so that the storage can open; serving what is here, mirroring nothing new')
    const disk = await diskFigures(this.dataDir)
    // The store writes as it opens (its log becomes a table): give it the ballast's room before it needs it.
    if (this.ownStore && disk && disk.free < BALLAST_BYTES && await this.ballast.release()) warn()
    const directWrites = this.ownStore && await directIoWorks(this.dataDir)
    if (this.ownStore) this.store = this.newStore(directWrites)
    try {
      await this.store.ready()
    } catch (err) {
      if (!asDiskFull(err) || !this.ownStore || !await this.ballast.release()) throw err
      warn()
      await this.store.close().catch(() => { /* the open error is the one to report */ })
      this.store = this.newStore(directWrites)
      await this.store.ready()
    }
  }

  list (): LibraryDrive[] { return [...this.drives.values()] }
  records (): DriveRecord[] { return Object.values(this.state.value.drives) }
  record (key: string): DriveRecord | undefined { return this.state.value.drives[key] }
  get (key: string): LibraryDrive | undefined { return this.drives.get(key) }
  has (key: string): boolean { return this.drives.has(key) }
  isBlocked (key: string): boolean { return this.state.value.blocked.includes(key) }
  isRelease (key: string): boolean { return this.state.value.drives[key]?.release === true }
  blockedKeys (): string[] { return [...this.state.value.blocked] }
  blockedTitle (key: string): string | undefined { return this.state.value.blockedTitles[key] }

  /** A drive that must exist here; `touch` records the use for least-recently-used eviction. */
  require (keyTextInput: string, touch = true): LibraryDrive {
    const key = keyText(parseKey(keyTextInput))
    if (this.isBlocked(key)) throw DRIVE_BLOCKED(`Drive ${key} is blocked on this node.`, { reason: 'driveBlocked', key })
    const drive = this.drives.get(key)
    if (!drive) throw DRIVE_NOT_FOUND(`No drive ${key} on this node.`, { reason: 'noSuchDrive', key })
    if (touch) this.touch(key)
    return drive
  }

  touch (key: string): void {
    const r = this.state.value.drives[key]
    if (!r) return
    r.lastUsed = Date.now()
    this.state.changed({ lazy: true })
  }

  /**
   * Creates a new drive written by this node. `unsized` (a folder not walked yet) and `importing` (files about to
   * be written, their total known) hold from the moment the drive is listed: a catalogue built meanwhile must not
   * offer peers an empty drive that is about to grow.
   */
  async createOwnDrive (info: DriveInfo, opts: { share?: string, namespace?: string, unsized?: boolean, importing?: ImportProgress } = {}): Promise<LibraryDrive> {
    const namespace = opts.namespace ?? `own/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    const drive = new LibraryDrive({ store: this.store, namespace, own: true, garbage: this.garbage })
    await drive.open()
    drive.unsized = opts.unsized === true
    drive.importing = opts.importing ?? null
    this.watchDrive(drive)
    const key = drive.id
    this.rememberCounts(drive)
    this.drives.set(key, drive)
    const now = Date.now()
    this.state.value.drives[key] = { key, own: true, namespace, share: opts.share, pinned: true, followed: false, addedAt: now, lastUsed: now, title: info.title }
    await this.state.flush()
    await this.writeInfo(drive, info)
    this.emit('drive-added', drive)
    return drive
  }

  /**
   * The release drive written with the maintainer's key pair (from the `release` command's key file, not from this
   * store's primary key, so the key file alone can publish). Opened if it is already here.
   */
  async ownReleaseDrive (keyPair: { publicKey: Buffer, secretKey: Buffer }, info: DriveInfo): Promise<LibraryDrive> {
    // Corestore derives the core's key from this key pair's manifest and, for a core it already holds, adds the
    // secret key to its header: the drive is writable from here on, opened by key like a mirror.
    const core = this.store.get({ keyPair })
    await core.ready()
    const key = keyText(core.key)
    await core.close()
    const existing = this.drives.get(key)
    const r = this.state.value.drives[key]
    if (existing && r?.own) return existing
    if (existing) {
      // Mirrored here so far (a data folder rebuilt from a peer's copy): reopened below as writable, data kept.
      this.drives.delete(key)
      await existing.close()
    }
    const now = Date.now()
    const record: DriveRecord = { ...(r ?? { addedAt: now, lastUsed: now }), key, own: true, release: true, pinned: true, followed: false, title: info.title }
    this.state.value.drives[key] = record
    await this.state.flush()
    const drive = await this.openDrive(record)
    if (!drive.drive.writable) throw new Error(`release drive ${key} is not writable with this key pair`)
    if (await drive.localEntry(DRIVE_INFO_PATH) === null || drive.info.description !== info.description) await this.writeInfo(drive, info)
    this.emit('drive-added', drive)
    return drive
  }

  async writeInfo (drive: LibraryDrive, info: DriveInfo): Promise<void> {
    const body = JSON.stringify({ title: info.title, description: info.description })
    // Its blocks come before its entry, like any file's: a reclaim must not run in between.
    await drive.exclusive(() => drive.drive.put(DRIVE_INFO_PATH, Buffer.from(body)))
    drive.info = { ...info }
    const r = this.state.value.drives[drive.id]
    if (r) { r.title = info.title; this.state.changed() }
  }

  /** Starts mirroring a drive offered by a peer (or followed by key). */
  async addMirror (keyInput: string, opts: { followed?: boolean, pinned?: boolean, release?: boolean, title?: string } = {}): Promise<LibraryDrive> {
    const key = keyText(parseKey(keyInput))
    if (this.isBlocked(key)) throw DRIVE_BLOCKED(`Drive ${key} is blocked on this node: unblock it first.`, { reason: 'driveBlockedUnblockFirst', key })
    const existing = this.drives.get(key) ?? await this.openingDrives.get(key)
    const now = Date.now()
    const r = this.state.value.drives[key] ?? { key, own: false, pinned: false, followed: false, addedAt: now, lastUsed: now }
    if (opts.followed) r.followed = true
    if (opts.pinned) r.pinned = true
    if (opts.release) r.release = true
    if (opts.title && !r.title) r.title = opts.title.slice(0, 120)
    this.state.value.drives[key] = r
    this.state.changed()
    if (existing) return existing
    const drive = await this.openDrive(r)
    this.emit('drive-added', drive)
    return drive
  }

  setFollowed (key: string, followed: boolean): void {
    const r = this.state.value.drives[key]
    if (!r) throw DRIVE_NOT_FOUND(`No drive ${key} on this node.`, { reason: 'noSuchDrive', key })
    r.followed = followed
    this.state.changed()
  }

  setPinned (key: string, pinned: boolean): void {
    const r = this.state.value.drives[key]
    if (!r) throw DRIVE_NOT_FOUND(`No drive ${key} on this node.`, { reason: 'noSuchDrive', key })
    r.pinned = pinned
    this.state.changed()
  }

  /** Stops mirroring and deletes the drive's data; `block` also refuses it from now on. */
  remove (keyInput: string, opts: { block?: boolean } = {}): Promise<void> {
    const key = keyText(parseKey(keyInput))
    // Known at once, before anything is awaited: an open of this drive from now on waits for the deletion.
    const deleting = this.deleteDrive(key, opts).finally(() => { if (this.deletions.get(key) === deleting) this.deletions.delete(key) })
    this.deletions.set(key, deleting)
    return deleting
  }

  /** Resolves once no deletion of this drive's data is under way (see `deletions`), whether it succeeded or not. */
  async deleted (key: string): Promise<void> {
    await this.deletions.get(key)?.catch(() => { /* the remove() caller hears of its failure */ })
  }

  private async deleteDrive (key: string, { block = false }: { block?: boolean }): Promise<void> {
    if (block && !this.state.value.blocked.includes(key)) this.state.value.blocked.push(key)
    const drive = this.drives.get(key) ?? await this.openingDrives.get(key)?.catch(() => undefined)
    const title = drive?.info.title || this.state.value.drives[key]?.title
    if (block && title) this.state.value.blockedTitles[key] = title
    this.drives.delete(key)
    delete this.state.value.drives[key]
    await this.state.flush()
    if (drive) {
      const held = drive.snapshot().localBytes
      this.emit('drive-removed', drive)
      await drive.purge().catch((err) => log.warn(`purging ${key.slice(0, 8)}: ${err.message}`))
      // Its blobs may share blob files with drives that stay: only a compaction that collects them gives the room back.
      this.compactor.reclaimed(Math.max(1, held))
    }
  }

  async unblock (keyInput: string): Promise<void> {
    const key = keyText(parseKey(keyInput))
    this.state.value.blocked = this.state.value.blocked.filter(k => k !== key)
    delete this.state.value.blockedTitles[key]
    await this.state.flush()
  }

  /**
   * Writes RocksDB's active memtable out to disk. After a large write (an upload, a mirror completing) its last
   * blocks — up to WRITE_BUFFER_BYTES of native memory — would otherwise stay in RAM until later writes fill it;
   * the dead Buffers the write left are collected too (garbage-pacer.ts).
   */
  async flushWrites (): Promise<void> {
    this.garbage.settle()
    try {
      await (this.store.storage as unknown as { db?: { flush? (): Promise<void> } }).db?.flush?.()
    } catch (err) {
      log.debug(`flushing the write buffer: ${(err as Error).message}`)
    }
  }

  private watchDrive (drive: LibraryDrive): void {
    // flushWrites never rejects: a failed flush is logged and the write buffer flushes on its own later.
    drive.on('complete', () => { void this.flushWrites() })
    drive.on('reclaimed', (r: Reclaimed) => this.compactor.reclaimed(r.bytes))
  }

  /**
   * Keeps each count in the drive's record, written lazily (at most once a minute, and at close): a lost write only
   * means the next start counts that drive before it is ready, as it always did.
   */
  private rememberCounts (drive: LibraryDrive): void {
    const remember = () => {
      const r = this.state.value.drives[drive.id]
      const counted = drive.countedFigures()
      if (!r || !counted || JSON.stringify(r.counted) === JSON.stringify(counted)) return
      r.counted = counted
      this.state.changed({ lazy: true })
    }
    drive.on('counted', remember)
    drive.on('progress', remember)
    // A drive counted while it opened said so before anyone listened.
    remember()
  }

  private openDrive (r: DriveRecord): Promise<LibraryDrive> {
    const pending = this.openingDrives.get(r.key)
    if (pending) return pending
    const p = (async () => {
      await this.deleted(r.key)
      await this.beforeOpen?.(r.key)
      // An own drive without a namespace was made from a key pair kept elsewhere (the release drive): open it by key.
      const remembered = r.counted
      const drive = r.own
        ? new LibraryDrive({ store: this.store, namespace: r.namespace, key: r.namespace ? null : parseKey(r.key), own: true, remembered, garbage: this.garbage })
        : new LibraryDrive({ store: this.store, key: parseKey(r.key), own: false, download: true, remembered, garbage: this.garbage, stallMs: this.mirrorStallMs })
      await drive.open()
      if (drive.id !== r.key) throw new Error(`drive key mismatch: ${drive.id} vs ${r.key}`)
      this.rememberCounts(drive)
      if (!drive.info.title && r.title) drive.info.title = r.title
      this.watchDrive(drive)
      this.drives.set(r.key, drive)
      return drive
    })().finally(() => this.openingDrives.delete(r.key))
    this.openingDrives.set(r.key, p)
    return p
  }
}

/** What the organiser can do about a data folder that cannot be opened, or null for any other failure. */
function dataFolderError (dir: string, err: unknown): PortalError | null {
  const e = err as { code?: string, message?: string }
  // RocksDB's lock on the store: only one process may open it.
  if (/could not be locked|lock hold by current process|resource temporarily unavailable/i.test(e?.message ?? '')) {
    return DATA_IN_USE(`Another p2p-portal node is already using the data folder ${dir}: stop it first, or give this one its own folder with --data.`)
  }
  if (e?.code === 'EACCES' || e?.code === 'EROFS' || e?.code === 'EPERM') {
    return DATA_NOT_WRITABLE(`The data folder ${dir} cannot be written (${e.code === 'EROFS' ? 'read-only file system' : 'permission denied'}): give a folder this user may write with --data.`)
  }
  return null
}
