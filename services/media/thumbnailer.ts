// Small images for listings and file pages, without sending full-size photos to phones. A JPEG's own EXIF
// preview is used when it has one; otherwise libvips (sharp) makes one, one image at a time, with caps on
// input bytes and pixels, so a 512 MB Pi Zero 2 W is never asked to hold a huge decode. Results are cached
// on disk under the data folder, keyed by the file's blob (a changed file gets a new thumbnail).
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { LibraryDrive } from '../storage/library-drive.js'
import { exifThumbnail } from './exif-thumbnail.js'
import { readHead } from '../storage/read-head.js'
import { logger } from '../log.js'

const log = logger('thumbs')

export type ThumbSize = 'small' | 'large'
const EXIF_HEAD = 128 * 1024
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

export interface ThumbnailerOptions { dir: string, sharp?: SharpLoader }

export class Thumbnailer {
  private readonly dir: string
  private sharp: Promise<SharpFn | null> | null = null
  private readonly loader: SharpLoader
  private queue: Promise<unknown> = Promise.resolve()
  private queued = 0
  private readonly failed = new Set<string>()

  constructor (opts: ThumbnailerOptions) {
    this.dir = opts.dir
    this.loader = opts.sharp ?? loadSharp
  }

  /** A JPEG thumbnail of an image in a drive, or null when none can be made (the page shows an icon). */
  async thumbnail (d: LibraryDrive, name: string, size: ThumbSize): Promise<Buffer | null> {
    const entry = await d.localEntry(name)
    const blob = entry?.value?.blob
    if (!blob) return null
    const id = crypto.createHash('sha256').update(`${d.id}:${d.fork}:${blob.blockOffset}:${blob.byteLength}:${size}`).digest('hex').slice(0, 32)
    if (this.failed.has(id)) return null
    const file = path.join(this.dir, id.slice(0, 2), `${id}.jpg`)
    const cached = await fs.readFile(file).catch(() => null)
    if (cached) return cached
    let missing = false
    const made = await this.make(d, name, blob.byteLength, size).catch((err) => {
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
    await fs.mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    await fs.writeFile(tmp, made).then(() => fs.rename(tmp, file)).catch((err) => log.warn(`cannot cache thumbnail: ${err.message}`))
    return made
  }

  private async make (d: LibraryDrive, name: string, bytes: number, size: ThumbSize): Promise<Buffer | null> {
    if (size === 'small' && /\.jpe?g$/i.test(name)) {
      const head = await readHead(d.drive, name, bytes, EXIF_HEAD)
      if (!head) throw NOT_HERE
      const exif = exifThumbnail(head)
      if (exif) return exif
    }
    if (bytes > MAX_INPUT_BYTES) return null
    if (this.queued >= MAX_QUEUED) throw NOT_HERE
    this.queued++
    const job = this.queue.then(() => this.resize(d, name, bytes, size))
    this.queue = job.catch(() => { /* the caller gets the error from job; the queue only orders */ })
    try { return await job } finally { this.queued-- }
  }

  private async resize (d: LibraryDrive, name: string, bytes: number, size: ThumbSize): Promise<Buffer | null> {
    this.sharp ??= this.loader()
    const sharp = await this.sharp
    if (!sharp) return null
    const input = await readHead(d.drive, name, bytes, MAX_INPUT_BYTES, 10_000)
    if (!input) throw NOT_HERE
    const px = size === 'small' ? 96 : 1024
    return sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true, failOn: 'error' })
      .rotate()
      .resize(px, px, { fit: size === 'small' ? 'cover' : 'inside', withoutEnlargement: true })
      .jpeg({ quality: size === 'small' ? 70 : 78 })
      .toBuffer()
  }
}
