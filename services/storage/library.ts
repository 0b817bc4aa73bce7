// The node's storage: one corestore (RocksDB allows a single opener, so this process owns it), the node's
// stable key pair, and the drives it holds — its own and the ones it mirrors — with their bookkeeping.
import fs from 'node:fs/promises'
import path from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import { LibraryDrive, DRIVE_INFO_PATH, type DriveInfo } from './library-drive.js'
import { Resource } from '../lifecycle/resource.js'
import { StateFile } from './state-file.js'
import { keyText, parseKey } from './drive-key.js'
import { DATA_IN_USE, DATA_NOT_WRITABLE, DRIVE_BLOCKED, DRIVE_NOT_FOUND, asDiskFull, type PortalError } from '../errors.js'
import { logger } from '../log.js'

const log = logger('library')

// RocksDB's default memtables (2 × 64 MiB) cost a node ~240 MB of RSS while a large file is written
// (measured with a 2 GB upload); a Pi Zero 2 W has 512 MB in all. Smaller memtables flush more often, which
// the append-only workload (file data goes to blob files) takes without extra writes.
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024

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
}

interface LibraryState { drives: Record<string, DriveRecord>, blocked: string[] }

export interface LibraryOptions {
  dataDir: string
  store?: Corestore
}

export class Library extends Resource {
  readonly dataDir: string
  store: Corestore
  keyPair: { publicKey: Buffer, secretKey: Buffer } | null = null
  private readonly drives = new Map<string, LibraryDrive>()
  private readonly openingDrives = new Map<string, Promise<LibraryDrive>>()
  private state: StateFile<LibraryState>

  constructor (opts: LibraryOptions) {
    super()
    this.dataDir = opts.dataDir
    this.store = opts.store ?? new Corestore(new CoreStorage(path.join(opts.dataDir, 'store'), { writeBufferSize: WRITE_BUFFER_BYTES }))
    this.state = new StateFile(path.join(opts.dataDir, 'library.json'), { drives: {}, blocked: [] })
  }

  get nodeKey (): string { return keyText(this.keyPair!.publicKey) }

  protected override async _open (): Promise<void> {
    try {
      await fs.mkdir(this.dataDir, { recursive: true })
      // Checked first: RocksDB on a read-only folder reports a missing file, which points the organiser elsewhere.
      await fs.access(this.dataDir, fs.constants.W_OK)
      await this.state.load()
      await this.store.ready()
    } catch (err) {
      throw asDiskFull(err) ?? dataFolderError(this.dataDir, err) ?? err
    }
    // Derived from the corestore's primary key: the node keeps its identity as long as it keeps its data.
    this.keyPair = await this.store.createKeyPair('p2p-portal/node')
    const records = Object.values(this.state.value.drives)
    // Opening is local-only (no network waits), so a node with 100 drives is ready quickly.
    await Promise.all(records.map(r => this.openDrive(r).catch((err) => {
      log.warn(`cannot open drive ${r.key.slice(0, 8)}: ${err.message}`)
    })))
  }

  protected override async _close (): Promise<void> {
    await Promise.allSettled([...this.openingDrives.values()])
    await Promise.allSettled([...this.drives.values()].map(d => d.close()))
    this.drives.clear()
    await this.state.flush()
    await this.store.close()
  }

  list (): LibraryDrive[] { return [...this.drives.values()] }
  records (): DriveRecord[] { return Object.values(this.state.value.drives) }
  record (key: string): DriveRecord | undefined { return this.state.value.drives[key] }
  get (key: string): LibraryDrive | undefined { return this.drives.get(key) }
  has (key: string): boolean { return this.drives.has(key) }
  isBlocked (key: string): boolean { return this.state.value.blocked.includes(key) }
  blockedKeys (): string[] { return [...this.state.value.blocked] }

  /** A drive that must exist here; `touch` records the use for least-recently-used eviction. */
  require (keyTextInput: string, touch = true): LibraryDrive {
    const key = keyText(parseKey(keyTextInput))
    if (this.isBlocked(key)) throw DRIVE_BLOCKED(`Drive ${key} is blocked on this node.`)
    const drive = this.drives.get(key)
    if (!drive) throw DRIVE_NOT_FOUND(`No drive ${key} on this node.`)
    if (touch) this.touch(key)
    return drive
  }

  touch (key: string): void {
    const r = this.state.value.drives[key]
    if (!r) return
    r.lastUsed = Date.now()
    this.state.changed({ lazy: true })
  }

  /** Creates a new drive written by this node. */
  async createOwnDrive (info: DriveInfo, opts: { share?: string, namespace?: string } = {}): Promise<LibraryDrive> {
    const namespace = opts.namespace ?? `own/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    const drive = new LibraryDrive({ store: this.store, namespace, own: true })
    await drive.open()
    const key = drive.id
    this.drives.set(key, drive)
    const now = Date.now()
    this.state.value.drives[key] = { key, own: true, namespace, share: opts.share, pinned: true, followed: false, addedAt: now, lastUsed: now, title: info.title }
    await this.state.flush()
    await this.writeInfo(drive, info)
    this.emit('drive-added', drive)
    return drive
  }

  async writeInfo (drive: LibraryDrive, info: DriveInfo): Promise<void> {
    const body = JSON.stringify({ title: info.title, description: info.description })
    await drive.drive.put(DRIVE_INFO_PATH, Buffer.from(body))
    drive.info = { ...info }
    const r = this.state.value.drives[drive.id]
    if (r) { r.title = info.title; this.state.changed() }
  }

  /** Starts mirroring a drive offered by a peer (or followed by key). */
  async addMirror (keyInput: string, opts: { followed?: boolean, pinned?: boolean, title?: string } = {}): Promise<LibraryDrive> {
    const key = keyText(parseKey(keyInput))
    if (this.isBlocked(key)) throw DRIVE_BLOCKED(`Drive ${key} is blocked on this node: unblock it first.`)
    const existing = this.drives.get(key) ?? await this.openingDrives.get(key)
    const now = Date.now()
    const r = this.state.value.drives[key] ?? { key, own: false, pinned: false, followed: false, addedAt: now, lastUsed: now }
    if (opts.followed) r.followed = true
    if (opts.pinned) r.pinned = true
    if (opts.title && !r.title) r.title = opts.title.slice(0, 120)
    this.state.value.drives[key] = r
    this.state.changed()
    if (existing) return existing
    const drive = await this.openDrive(r)
    this.emit('drive-added', drive)
    return drive
  }

  setPinned (key: string, pinned: boolean): void {
    const r = this.state.value.drives[key]
    if (!r) throw DRIVE_NOT_FOUND(`No drive ${key} on this node.`)
    r.pinned = pinned
    this.state.changed()
  }

  /** Stops mirroring and deletes the drive's data; `block` also refuses it from now on. */
  async remove (keyInput: string, { block = false } = {}): Promise<void> {
    const key = keyText(parseKey(keyInput))
    if (block && !this.state.value.blocked.includes(key)) this.state.value.blocked.push(key)
    const drive = this.drives.get(key) ?? await this.openingDrives.get(key)?.catch(() => undefined)
    this.drives.delete(key)
    delete this.state.value.drives[key]
    await this.state.flush()
    if (drive) {
      this.emit('drive-removed', drive)
      await drive.purge().catch((err) => log.warn(`purging ${key.slice(0, 8)}: ${err.message}`))
    }
  }

  async unblock (keyInput: string): Promise<void> {
    const key = keyText(parseKey(keyInput))
    this.state.value.blocked = this.state.value.blocked.filter(k => k !== key)
    await this.state.flush()
  }

  /**
   * Writes RocksDB's active memtable out to disk. After a large write (an upload, a mirror completing) its last
   * blocks — up to WRITE_BUFFER_BYTES of native memory — would otherwise stay in RAM until later writes fill it.
   */
  async flushWrites (): Promise<void> {
    try {
      await (this.store.storage as unknown as { db?: { flush? (): Promise<void> } }).db?.flush?.()
    } catch (err) {
      log.debug(`flushing the write buffer: ${(err as Error).message}`)
    }
  }

  private openDrive (r: DriveRecord): Promise<LibraryDrive> {
    const pending = this.openingDrives.get(r.key)
    if (pending) return pending
    const p = (async () => {
      const drive = r.own
        ? new LibraryDrive({ store: this.store, namespace: r.namespace, own: true })
        : new LibraryDrive({ store: this.store, key: parseKey(r.key), own: false, download: true })
      await drive.open()
      if (drive.id !== r.key) throw new Error(`drive key mismatch: ${drive.id} vs ${r.key}`)
      if (!drive.info.title && r.title) drive.info.title = r.title
      drive.on('complete', () => { this.flushWrites() })
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
