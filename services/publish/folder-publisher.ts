// Publishes a folder as one of the node's own drives and keeps publishing its changes as new versions.
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import type { Library } from '../storage/library.js'
import type { LibraryDrive, ImportProgress } from '../storage/library-drive.js'
import { isHidden } from '../storage/library-drive.js'
import { listCheckout } from '../storage/metadata-read-ahead.js'
import { asDiskFull } from '../errors.js'
import type { DriveWriter } from './drive-writer.js'
import { walkFiles } from './walk-files.js'
import { UNSTORABLE_WHY } from '../storage/drive-path.js'
import { logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'

const log = logger('publish')

// Mirrors fetch one block per request: 512 KiB blocks replicate large files several times faster than
// hyperblobs' default 64 KiB, and still let a phone seek in a video without fetching much extra.
export const BLOCK_SIZE = 512 * 1024
const DEBOUNCE_MS = 250
const RESCAN_MS = 60_000

export interface FolderPublisherOptions {
  library: Library
  folder: string
  /** Writes the files: the admin upload's disk-full guard, and a failed file's blocks cleared. */
  writer: DriveWriter
  title?: string
  description?: string
  /** Opens a file of the folder for reading (tests slow it down). */
  read?: (file: string) => Readable
}

export class FolderPublisher extends Resource {
  drive: LibraryDrive | null = null
  private watcher: fs.FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private interval: NodeJS.Timeout | null = null
  private syncing: Promise<void> = Promise.resolve()
  private again = false
  /** What the last sync failed with (DISK_FULL when the disk is full); null after a good one. */
  lastError: Error | null = null
  private reclaimedOnce = false
  /** Names already reported as skipped: said once, not at every rescan. */
  private readonly skipped = new Set<string>()

  constructor (private readonly opts: FolderPublisherOptions) { super() }

  get folder (): string { return this.opts.folder }

  protected override async _open (): Promise<void> {
    const { library, folder } = this.opts
    const existing = library.records().find(r => r.own && r.share === folder)
    this.drive = existing
      ? library.get(existing.key) ?? null
      : await library.createOwnDrive(
        { title: this.opts.title ?? path.basename(folder), description: this.opts.description ?? '' },
        // Until the first walk a new drive's size is unknown: peers are not offered it at 0 bytes, growing.
        { share: folder, namespace: `share/${folder}`, unsized: true })
    if (!this.drive) throw new Error(`the drive for ${folder} could not be opened`)
    if (existing && this.opts.title && this.drive.info.title !== this.opts.title) {
      await library.writeInfo(this.drive, { ...this.drive.info, title: this.opts.title })
    }
    // The first import of a large folder takes minutes on a Pi: the node listens (and tells systemd it is ready)
    // meanwhile, and the status shows its progress. close() waits for it.
    void this.sync()
    try {
      this.watcher = fs.watch(folder, { recursive: true }, () => this.schedule())
      this.watcher.on('error', (err) => log.warn(`watching ${folder}: ${err.message}; rescanning every minute instead`))
    } catch (err) {
      log.warn(`cannot watch ${folder} (${(err as Error).message}); rescanning every minute instead`)
    }
    // fs.watch misses changes on some filesystems (network mounts, USB sticks): rescan now and then anyway.
    this.interval = setInterval(() => this.schedule(), RESCAN_MS)
    this.interval.unref()
    log.info(`publishing ${folder} as ${this.drive.id}`)
  }

  protected override async _close (): Promise<void> {
    this.watcher?.close()
    if (this.timer) clearTimeout(this.timer)
    if (this.interval) clearInterval(this.interval)
    await this.syncing
  }

  private schedule (): void {
    if (this.isClosing) return
    if (this.timer) clearTimeout(this.timer)
    // sync() never rejects: it logs a failure.
    this.timer = setTimeout(() => { this.timer = null; void this.sync() }, DEBOUNCE_MS)
  }

  /** Resolves once the imports started so far (the first one included) have finished; never rejects. */
  idle (): Promise<void> { return this.syncing }

  /** Brings the drive in line with the folder: changed files written, removed files deleted. Never rejects: a failure is logged. */
  sync (): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).then(() => { this.lastError = null }, (err) => {
      const full = asDiskFull(err)
      this.lastError = full ?? err
      log.error(`publishing ${this.opts.folder} failed: ${(full ?? err).message}`)
    })
    return this.syncing
  }

  private async syncOnce (): Promise<void> {
    const drive = this.drive!.drive
    const onDisk = await walkFiles(this.opts.folder, {
      litter: editorLitter,
      unstorable: (name, reason) => {
        if (this.skipped.has(name)) return
        this.skipped.add(name)
        log.warn(`${this.opts.folder}: skipped ${JSON.stringify(name.slice(1))}: its name has ${UNSTORABLE_WHY[reason]}`)
      }
    })
    let finalBytes = 0
    for (const st of onDisk.values()) finalBytes += st.size
    let changes = 0
    // The drive as it stands now, listed from a checkout (its blocks read ahead): deletes go to the drive itself.
    const listed = drive.checkout(drive.version)
    try {
      for await (const entry of listCheckout(listed)) {
        if (isHidden(entry.key)) continue
        const st = onDisk.get(entry.key)
        if (!st) { await drive.del(entry.key); changes++; continue }
        const meta = entry.value.metadata
        if (meta && meta.size === st.size && meta.mtime === Math.floor(st.mtimeMs)) onDisk.delete(entry.key)
      }
    } finally {
      await listed.close().catch(() => { /* a read-only checkout holds nothing to lose */ })
    }
    const progress: ImportProgress = { files: onDisk.size, done: 0, finalBytes }
    if (onDisk.size) this.drive!.importing = progress
    this.drive!.unsized = false
    try {
      for (const [name, st] of onDisk) {
        if (this.isClosing) return
        await this.writeFile(name, st)
        changes++
        progress.done++
      }
      // Offered at `finalBytes` until the count has caught up with the writes, not at the count of before them.
      if (progress.done > 0) await this.drive!.refresh()
    } finally {
      this.drive!.importing = null
    }
    if (changes) log.info(`${this.opts.folder}: ${changes} change(s) published, version ${drive.version}`)
    // As after an upload: the last blocks leave RocksDB's write buffer for the disk, and what the import left is
    // collected now rather than whenever V8 next collects (never rejects).
    if (changes) await this.opts.library.flushWrites()
    // Once the folder is in: superseded files were cleared as they were replaced, but deleted files and the
    // blocks of a file whose import was cut off (the node killed mid-file) are only found by comparing the blobs
    // core with the latest version. The first sync after a start does it even with no change, for that last case.
    if (changes || !this.reclaimedOnce) {
      // The folder is published either way: a reclaim that fails is tried again after the next change.
      await this.drive!.reclaim().then(() => { this.reclaimedOnce = true }, (err: Error) => log.warn(`${this.opts.folder}: giving back old versions' space failed: ${err.message}`))
    }
  }

  private async writeFile (name: string, st: fs.Stats): Promise<void> {
    const source = path.join(this.opts.folder, ...name.split('/'))
    const metadata = { size: st.size, mtime: Math.floor(st.mtimeMs) }
    const { writer } = this.opts
    try {
      await writer.checkSpace(st.size)
      await writer.writeStream(this.drive!, name, this.opts.read ? this.opts.read(source) : fs.createReadStream(source, { highWaterMark: BLOCK_SIZE }), metadata, { executable: (st.mode & 0o111) !== 0 })
    } catch (err) {
      // A file removed or replaced while we read it: the next change event publishes its final state.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
  }
}

/** Editors' temp files and hidden folders (.git, .DS_Store) are not content. */
function editorLitter (name: string): boolean {
  return name.startsWith('.') || name.endsWith('~')
}
