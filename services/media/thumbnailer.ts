// Small images for listings and file pages, without sending full-size photos to phones. A JPEG's own EXIF
// preview is used when it has one; otherwise libvips (sharp) makes one, one image at a time, with caps on
// input bytes and pixels, so a 512 MB Pi Zero 2 W is never asked to hold a huge decode. Results are cached
// on disk under the data folder, keyed by the file's blob (a changed file gets a new thumbnail).
// Videos get a poster the same way where ffmpeg is installed: one frame from the first few MB only, with a
// deadline, and the duration when the container states it, cached beside the poster.
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { LibraryDrive } from '../storage/library-drive.js'
import { exifThumbnail } from './exif-thumbnail.js'
import { readHead } from '../storage/read-head.js'
import { logger } from '../log.js'
import { fileKind } from './file-kind.js'
import { FfmpegFrames, type FrameGrabber } from './video-frame.js'

const log = logger('thumbs')

export type ThumbSize = 'small' | 'medium' | 'large'
const PIXELS: Record<ThumbSize, number> = { small: 96, medium: 240, large: 1024 }
const EXIF_HEAD = 128 * 1024
// Enough for a WebM's or a fast-start MP4's header and first key frame; an MP4 with its index at the end has
// no poster (reading it would mean the whole file).
const VIDEO_HEAD = 4 * 1024 * 1024
const VIDEO_DEADLINE_MS = 15_000
const MAX_INPUT_BYTES = 32 * 1024 * 1024
const MAX_INPUT_PIXELS = 24_000_000
const MAX_QUEUED = 32
const FAILED_REMEMBERED = 2000
const NOT_HERE = new Error('blocks not here yet')

type SharpFn = (input: Buffer, opts: Record<string, unknown>) => any
export type SharpLoader = () => Promise<SharpFn | null>

const loadSharp: SharpLoader = async () => {
  try {
    const mod: any = await import('sharp')
    const sharp = mod.default ?? mod
    // No libvips operation cache, one worker thread: memory over speed on a Pi.
    sharp.cache(false)
    sharp.concurrency(1)
    return sharp
  } catch (err) {
    log.warn(`no image library, thumbnails only from EXIF: ${(err as Error).message}`)
    return null
  }
}

export interface ThumbnailerOptions { dir: string, sharp?: SharpLoader, frames?: FrameGrabber }

export class Thumbnailer {
  private readonly dir: string
  private sharp: Promise<SharpFn | null> | null = null
  private readonly loader: SharpLoader
  private readonly frames: FrameGrabber
  private queue: Promise<unknown> = Promise.resolve()
  private queued = 0
  private readonly failed = new Set<string>()

  constructor (opts: ThumbnailerOptions) {
    this.dir = opts.dir
    this.loader = opts.sharp ?? loadSharp
    this.frames = opts.frames ?? new FfmpegFrames()
  }

  /** Whether videos can have posters on this node (pages show a neutral icon otherwise). */
  posters (): Promise<boolean> {
    return this.frames.available()
  }

  /** A video's duration in seconds, only when its poster was already made (pages never wait on ffmpeg). */
  async duration (d: LibraryDrive, name: string): Promise<number | null> {
    const entry = await d.localEntry(name)
    const blob = entry?.value?.blob
    if (!blob) return null
    const raw = await fs.readFile(this.cacheFile(d, blob, 'meta', 'json'), 'utf8').catch(() => null)
    if (!raw) return null
    try {
      const v = Number(JSON.parse(raw).duration)
      return v > 0 ? v : null
    } catch {
      return null
    }
  }

  private cacheFile (d: LibraryDrive, blob: { blockOffset: number, byteLength: number }, tag: string, ext = 'jpg'): string {
    const id = crypto.createHash('sha256').update(`${d.id}:${d.fork}:${blob.blockOffset}:${blob.byteLength}:${tag}`).digest('hex').slice(0, 32)
    return path.join(this.dir, id.slice(0, 2), `${id}.${ext}`)
  }

  private async store (file: string, data: Buffer | string): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    await fs.writeFile(tmp, data).then(() => fs.rename(tmp, file)).catch((err) => log.warn(`cannot cache thumbnail: ${err.message}`))
  }

  /** A JPEG thumbnail of an image in a drive, or null when none can be made (the page shows an icon). */
  async thumbnail (d: LibraryDrive, name: string, size: ThumbSize): Promise<Buffer | null> {
    const entry = await d.localEntry(name)
    const blob = entry?.value?.blob
    if (!blob) return null
    const file = this.cacheFile(d, blob, size)
    const id = path.basename(file, '.jpg')
    if (this.failed.has(id)) return null
    const cached = await fs.readFile(file).catch(() => null)
    if (cached) return cached
    let missing = false
    const made = await this.make(d, name, blob, size).catch((err) => {
      missing = err === NOT_HERE
      if (!missing) log.debug(`${name}: ${err.message}`)
      return null
    })
    // A file whose blocks have not arrived yet gets its thumbnail later; one that cannot be decoded never will.
    if (!made && missing) return null
    if (!made) {
      if (this.failed.size >= FAILED_REMEMBERED) this.failed.clear()
      this.failed.add(id)
      return null
    }
    await this.store(file, made)
    return made
  }

  private async make (d: LibraryDrive, name: string, blob: { blockOffset: number, byteLength: number }, size: ThumbSize): Promise<Buffer | null> {
    const bytes = blob.byteLength
    const video = fileKind(name) === 'video'
    if (video && !await this.frames.available()) return null
    if (!video && size !== 'large' && /\.jpe?g$/i.test(name)) {
      const head = await readHead(await d.hyperdrive(), name, bytes, EXIF_HEAD)
      if (!head) throw NOT_HERE
      const exif = exifThumbnail(head)
      if (exif) return exif
    }
    if (!video && bytes > MAX_INPUT_BYTES) return null
    if (this.queued >= MAX_QUEUED) throw NOT_HERE
    this.queued++
    const job = this.queue.then(() => video ? this.poster(d, name, blob, size) : this.resize(d, name, bytes, size))
    this.queue = job.catch(() => { /* the caller gets the error from job; the queue only orders */ })
    try { return await job } finally { this.queued-- }
  }

  private async resize (d: LibraryDrive, name: string, bytes: number, size: ThumbSize): Promise<Buffer | null> {
    const input = await readHead(await d.hyperdrive(), name, bytes, MAX_INPUT_BYTES, 10_000)
    if (!input) throw NOT_HERE
    return this.scaled(input, size, true)
  }

  private async scaled (input: Buffer, size: ThumbSize, rotate: boolean): Promise<Buffer | null> {
    this.sharp ??= this.loader()
    const sharp = await this.sharp
    if (!sharp) return null
    const px = PIXELS[size]
    const img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true, failOn: 'error' })
    return (rotate ? img.rotate() : img)
      .resize(px, px, { fit: size === 'large' ? 'inside' : 'cover', withoutEnlargement: true })
      .jpeg({ quality: size === 'large' ? 78 : 70 })
      .toBuffer()
  }

  /** One ffmpeg run per video: every size of its poster and its duration are cached from the one frame. */
  private async poster (d: LibraryDrive, name: string, blob: { blockOffset: number, byteLength: number }, size: ThumbSize): Promise<Buffer | null> {
    const done = await fs.readFile(this.cacheFile(d, blob, size)).catch(() => null)
    if (done) return done
    const head = await readHead(await d.hyperdrive(), name, blob.byteLength, VIDEO_HEAD, 10_000)
    if (!head) throw NOT_HERE
    const frame = await this.frames.grab(head, VIDEO_DEADLINE_MS)
    await this.store(this.cacheFile(d, blob, 'meta', 'json'), JSON.stringify({ duration: frame.duration }))
    if (!frame.jpeg) return null
    let wanted: Buffer | null = null
    for (const s of ['small', 'medium', 'large'] as const) {
      const out = await this.scaled(frame.jpeg, s, false).catch(() => null) ?? (s === 'large' ? frame.jpeg : null)
      if (!out) continue
      if (s === size) wanted = out
      else await this.store(this.cacheFile(d, blob, s), out)
    }
    return wanted
  }
}
