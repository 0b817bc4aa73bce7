// USB sticks mounted by the OS (udisks/usbmount put them under /media or /run/media): import a folder from
// one as a new drive, export a drive to one. Every path is resolved and checked to stay inside the stick,
// and symbolic links are never followed, so neither a crafted stick nor a crafted drive reaches elsewhere.
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Library } from '../storage/library.js'
import type { LibraryDrive, ImportProgress } from '../storage/library-drive.js'
import { isHidden } from '../storage/library-drive.js'
import { BLOCK_SIZE } from './folder-publisher.js'
import { BAD_PATH, BAD_REQUEST, CodedError, NOT_FOUND, asDiskFull, type ErrorDetails } from '../errors.js'
import { logger } from '../log.js'
import type { DriveWriter } from './drive-writer.js'
import { Resource } from '../lifecycle/resource.js'
import { walkFiles } from './walk-files.js'
import { UNSTORABLE_WHY } from '../storage/drive-path.js'
import { failedLine, skippedLine, type FileLine } from './usb-file-line.js'

const log = logger('usb')
export const DEFAULT_USB_ROOTS = ['/media', '/run/media']
const READ_WAIT_MS = 15_000

export interface Stick { id: string, name: string, path: string }

export interface UsbJob {
  id: number
  kind: 'import' | 'export'
  what: string
  files: number
  done: number
  bytes: number
  /** Files left out or not copied, each with its reason (jobs.json shows them as they are). */
  failed: FileLine[]
  state: 'running' | 'done' | 'failed'
  error?: string
  /** The failure's reason and values, so the USB page can word it in the organiser's language. */
  errorDetails?: ErrorDetails
  driveKey?: string
  /** An export's data reached the stick itself (not only the page cache): it is safe to pull out. */
  synced?: boolean
}

export interface UsbSticksOptions {
  library: Library
  writer: DriveWriter
  roots?: string[]
  /** Only mount points count as sticks (production); tests use plain folders. */
  mountsOnly?: boolean
  /** Flushes the file system holding `dir` to the device (default `sync -f dir`). */
  syncStick?: (dir: string) => Promise<void>
}

const run = promisify(execFile)
// Linux keeps written data in the page cache for up to ~30 s: a stick pulled out before that loses it, so
// "safe to remove" waits for the stick's file system to be flushed.
const syncFileSystem = async (dir: string): Promise<void> => { await run('sync', ['-f', dir]) }

export class UsbSticks extends Resource {
  readonly roots: string[]
  private readonly mountsOnly: boolean
  readonly jobs: UsbJob[] = []
  private nextJob = 1
  private readonly running = new Set<Promise<void>>()

  constructor (private readonly opts: UsbSticksOptions) {
    super()
    this.roots = opts.roots ?? DEFAULT_USB_ROOTS
    this.mountsOnly = opts.mountsOnly ?? true
  }

  /** Mounted sticks: folders one or two levels under a root (/media/LABEL, /media/user/LABEL). */
  async list (): Promise<Stick[]> {
    const out: Stick[] = []
    for (const root of this.roots) {
      for (const a of await dirs(root)) {
        const pa = path.join(root, a)
        if (await this.isStick(pa, root)) { out.push(stick(pa)); continue }
        for (const b of await dirs(pa)) {
          const pb = path.join(pa, b)
          if (await this.isStick(pb, pa)) out.push(stick(pb))
        }
      }
    }
    return out
  }

  private async isStick (dir: string, parent: string): Promise<boolean> {
    if (!this.mountsOnly) return (await dirs(dir)).length > 0 || (await fsp.readdir(dir).catch(() => [])).length > 0
    const [a, b] = await Promise.all([fsp.stat(dir).catch(() => null), fsp.stat(parent).catch(() => null)])
    return !!a && !!b && a.dev !== b.dev
  }

  async find (id: unknown): Promise<Stick> {
    const s = (await this.list()).find(x => x.id === id)
    if (!s) throw NOT_FOUND('That USB stick is not mounted any more: plug it in again and reload the page.', { reason: 'stickGone' })
    return s
  }

  /** Folders on a stick (up to two levels), for the import form. */
  async folders (s: Stick): Promise<string[]> {
    const out = ['/']
    for (const a of await dirs(s.path)) {
      if (a.startsWith('.')) continue
      out.push(`/${a}`)
      for (const b of await dirs(path.join(s.path, a))) if (!b.startsWith('.')) out.push(`/${a}/${b}`)
    }
    return out.slice(0, 500)
  }

  /** Starts importing a folder of a stick as a new drive; returns the job to follow on the USB page. */
  async startImport (s: Stick, folder: unknown, info: { title: string, description: string }): Promise<UsbJob> {
    const base = await fsp.realpath(s.path)
    const source = await inside(base, typeof folder === 'string' ? folder : '/')
    const st = await fsp.stat(source).catch(() => null)
    if (!st?.isDirectory()) throw BAD_PATH('That folder is not on the stick.', { reason: 'folderNotOnStick' })
    const files = new Map<string, number>()
    const skipped: FileLine[] = []
    const found = await walkFiles(source, {
      litter: stickLitter,
      unstorable: (name, reason) => {
        skipped.push(skippedLine(name, reason))
        log.warn(`import from ${s.name}: skipped ${JSON.stringify(name)}: its name has ${UNSTORABLE_WHY[reason]}`)
      }
    })
    let finalBytes = 0
    for (const [name, st] of found) { files.set(name, st.size); finalBytes += st.size }
    // Offered to peers at the size it will have, as a shared folder is: not empty and growing under their caps.
    const progress: ImportProgress = { files: files.size, done: 0, finalBytes }
    const d = await this.opts.library.createOwnDrive({ title: info.title || path.basename(source) || s.name, description: info.description }, { importing: progress })
    // Skipped names count as done and failed, so the job's figures add up and the USB page lists them.
    const job = this.job('import', `${s.name}${folder === '/' ? '' : folder} → "${d.info.title}"`, files.size + skipped.length)
    job.driveKey = d.id
    job.failed.push(...skipped)
    job.done = skipped.length
    this.run(job, async () => {
      try {
        for (const [name, size] of files) {
          this.stopIfClosing()
          const file = path.join(source, ...name.split('/'))
          try {
            // O_NOFOLLOW: a link swapped in after the walk is refused rather than followed.
            const handle = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
            await this.opts.writer.writeStream(d, name, handle.createReadStream({ highWaterMark: BLOCK_SIZE }), { size })
            job.bytes += size
          } catch (err) {
            if (asDiskFull(err)) throw asDiskFull(err)
            job.failed.push(failedLine(name, err))
          }
          job.done++
          progress.done++
        }
        // Offered at `finalBytes` until the count has caught up with the writes, not at the count of before them.
        await d.refresh()
      } finally {
        d.importing = null
      }
    })
    return job
  }

  /** Starts copying every file of a drive into a new folder on a stick. */
  async startExport (d: LibraryDrive, s: Stick, folderName: unknown): Promise<UsbJob> {
    const base = await fsp.realpath(s.path)
    const name = safeSegment(typeof folderName === 'string' && folderName.trim() ? folderName.trim() : d.info.title || d.id.slice(0, 12))
    const target = path.join(base, name)
    try {
      await fsp.mkdir(target)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw BAD_REQUEST(`${name} already exists on the stick: choose another folder name.`, { reason: 'existsOnStick', name })
      throw asDiskFull(err) ?? err
    }
    const entries: Array<{ key: string, bytes: number }> = []
    const drive = await d.hyperdrive()
    for await (const e of drive.list('/', { recursive: true, wait: false })) {
      if (isHidden(e.key) || !e.value.blob) continue
      entries.push({ key: e.key, bytes: e.value.blob.byteLength })
    }
    const job = this.job('export', `"${d.info.title || d.id.slice(0, 8)}" → ${s.name}/${name}`, entries.length)
    this.run(job, async () => {
      for (const e of entries) {
        this.stopIfClosing()
        try {
          const out = exportPath(target, e.key)
          await fsp.mkdir(path.dirname(out), { recursive: true })
          // wx: never overwrite, and never write through a link someone placed on the stick.
          const handle = await fsp.open(out, 'wx')
          try {
            await pipeline(drive.createReadStream(e.key, { timeout: READ_WAIT_MS }), handle.createWriteStream())
          } catch (err) {
            await fsp.rm(out, { force: true })
            throw err
          }
          job.bytes += e.bytes
        } catch (err) {
          if (asDiskFull(err)) throw BAD_REQUEST('The USB stick is full: the export stopped. Use a larger stick.', { reason: 'stickFull' })
          job.failed.push(failedLine(e.key, err))
        }
        job.done++
      }
      try {
        await (this.opts.syncStick ?? syncFileSystem)(target)
        job.synced = true
      } catch (err) {
        log.warn(`cannot flush ${s.name}: ${(err as Error).message}; eject it from the system before removing it`)
      }
    })
    return job
  }

  private job (kind: UsbJob['kind'], what: string, files: number): UsbJob {
    const job: UsbJob = { id: this.nextJob++, kind, what, files, done: 0, bytes: 0, failed: [], state: 'running' }
    this.jobs.push(job)
    if (this.jobs.length > 20) this.jobs.shift()
    return job
  }

  /** A job in progress stops at its next file; what it wrote stays (an import's drive keeps the files so far). */
  protected override async _close (): Promise<void> {
    await Promise.all([...this.running])
  }

  private stopIfClosing (): void {
    if (this.isClosing) throw new Error('stopped because the node is shutting down')
  }

  private run (job: UsbJob, fn: () => Promise<void>): void {
    log.info(`${job.kind} started: ${job.what} (${job.files} files)`)
    const running: Promise<void> = fn().then(() => {
      job.state = 'done'
      log.info(`${job.kind} finished: ${job.what}, ${job.done - job.failed.length}/${job.files} files${job.failed.length ? `, ${job.failed.length} failed` : ''}`)
    }, (err) => {
      job.state = 'failed'
      job.error = (err as Error).message
      if (err instanceof CodedError) job.errorDetails = err.details
      log.error(`${job.kind} failed: ${job.what}: ${job.error}`)
    }).finally(() => this.running.delete(running))
    this.running.add(running)
  }
}

function stick (p: string): Stick {
  return { id: Buffer.from(p).toString('base64url'), name: path.basename(p), path: p }
}

async function dirs (dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true })).filter(d => d.isDirectory()).map(d => d.name).sort()
  } catch {
    return []
  }
}

/** A folder given by the user, resolved (links too) and checked to be `base` or below it. */
async function inside (base: string, rel: string): Promise<string> {
  if (rel.includes('\0')) throw BAD_PATH('That folder name is not valid.', { reason: 'folderNameInvalid' })
  if (rel.split(/[/\\]/).includes('..')) throw BAD_PATH('That folder is outside the stick.', { reason: 'folderOutsideStick' })
  const joined = path.resolve(base, '.' + path.posix.normalize('/' + rel.replace(/\\/g, '/')))
  const real = await fsp.realpath(joined).catch(() => { throw BAD_PATH('That folder is not on the stick.', { reason: 'folderNotOnStick' }) })
  if (real !== base && !real.startsWith(base + path.sep)) throw BAD_PATH('That folder is outside the stick.', { reason: 'folderOutsideStick' })
  return real
}

/** Where a drive entry goes under `target`; entries from other implementations may hold any bytes. */
export function exportPath (target: string, key: string): string {
  const segs = key.split('/').filter(s => s !== '')
  if (segs.length === 0) throw BAD_PATH('empty file name', { reason: 'fileNameMissing' })
  for (const s of segs) {
    if (s === '.' || s === '..' || s.includes('\\') || /[\u0000-\u001f\u007f]/.test(s)) throw BAD_PATH(`unsafe file name ${JSON.stringify(key)}`, { reason: 'unsafeFileName', name: key })
  }
  const out = path.resolve(target, ...segs)
  if (!out.startsWith(target + path.sep)) throw BAD_PATH(`unsafe file name ${JSON.stringify(key)}`, { reason: 'unsafeFileName', name: key })
  return out
}

function safeSegment (name: string): string {
  // FAT/exFAT, what most sticks use, refuses these characters.
  const s = name.replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '_').replace(/^\.+/, '').slice(0, 100).trim()
  if (!s) throw BAD_REQUEST('Choose a folder name for the export.', { reason: 'exportNeedsFolder' })
  return s
}

/** Hidden files and the OS's stick litter (.Trashes, System Volume Information) are not content. */
function stickLitter (name: string): boolean {
  return name.startsWith('.') || name === 'System Volume Information'
}
