// Streams one file out of a drive with HTTP caching and Range, never holding more than two blocks per connection.
import type { IncomingMessage, ServerResponse } from 'node:http'
import mime from 'mime-types'
import parseRange from 'range-parser'
import type { LibraryDrive, BlobRef } from '../../services/storage/library-drive.js'
import { BlockCache } from '../../services/storage/block-cache.js'
import type { GarbagePacer } from '../../services/storage/garbage-pacer.js'
import { ByteBudget } from './byte-budget.js'
import { NO_HOLDER } from '../../services/errors.js'
import type { HeadWriter, HotRequest } from '../server/front-door.js'
import { RANGE_NOT_SATISFIABLE } from '../../services/errors.js'
import { coded, errorText } from '../i18n/error-text.js'
import { pickAdminLanguage } from '../i18n/admin-language.js'

// How long a read waits for a block that is not here yet (a partial mirror fetching it from a peer).
const BLOCK_WAIT_MS = 10_000
const EMPTY = Buffer.alloc(0)

export interface ServeOptions {
  /** Extra headers, e.g. the sandbox CSP for untrusted content. */
  headers?: Record<string, string>
  /** Force a download (Content-Disposition: attachment). */
  download?: boolean
}

/** A file of one version of a drive, as much as answering for it needs. */
export interface DriveFile {
  drive: LibraryDrive
  /** The drive version it was looked up in: a newer version may hold other bytes under the same name. */
  version: number
  name: string
  blob: BlobRef | null
  size: number
  etag: string
  type: string
}

export function contentType (name: string): string {
  const type = mime.lookup(name) || 'application/octet-stream'
  return /^text\/|javascript|json|xml|svg/.test(type) ? `${type}; charset=utf-8` : type
}

export async function findDriveFile (d: LibraryDrive, name: string): Promise<DriveFile | null> {
  const version = d.version
  const entry = await d.lookup(name, { timeout: BLOCK_WAIT_MS }).catch(() => null)
  if (!entry || !entry.value) return null
  const blob: BlobRef | null = entry.value.blob ?? null
  const size = blob ? blob.byteLength : 0
  return { drive: d, version, name, blob, size, etag: `"${d.fork}-${blob ? blob.blockOffset : 0}-${size}"`, type: contentType(name) }
}

/**
 * Sends drive files out of one node's memory budget: the hot blocks it keeps and the bytes its connections may
 * hold at once. One per node, made by the composition root.
 */
export class DriveFileSender {
  // 12 MB of hot blocks: every thumbnail of a busy drive, or the stretch of a video a roomful of phones is watching;
  // a block nobody asked for in 30 s is dropped, and the pacer collects what it held once serving goes quiet.
  private readonly blockCache: BlockCache
  // Bytes of blocks read from storage and held by connections at once. 200 phones each holding two 512 KiB
  // blocks would need 200 MB, more than a Pi Zero 2 W can spare; past this budget, readers wait their turn.
  private readonly inFlight = new ByteBudget(8 * 1024 * 1024)

  constructor (garbage: Pick<GarbagePacer, 'noteQuietly'> | null = null) {
    this.blockCache = new BlockCache(12 * 1024 * 1024, 1024 * 1024, { released: (bytes) => garbage?.noteQuietly(bytes) })
  }

  close (): void {
    this.blockCache.close()
  }

  /** Returns false when there is no such file (the caller answers 404). */
  async serve (req: IncomingMessage, res: ServerResponse, d: LibraryDrive, name: string, opts: ServeOptions = {}): Promise<boolean> {
    const file = await findDriveFile(d, name)
    if (!file) return false
    await this.send(req, res, file, opts)
    return true
  }

  async send (req: IncomingMessage, res: ServerResponse, file: DriveFile, opts: ServeOptions): Promise<void> {
    if (this.sendCached(req, res, file, opts)) return
    // Once the head is written only a cut connection can say the bytes did not come: a drive browsed from other
    // nodes gets its first block before answering, so that no holder in reach is a 503 rather than a hang.
    const done = file.drive.sparse ? file.drive.beginRead() : null
    try {
      if (file.drive.sparse) await firstBlock(req, file)
      const range = writeHead(req, res, file, opts)
      if (!range) return
      const blobs = await file.drive.fileBlobs()
      await streamBlob(res, blobs, file.blob!, range.start, range.end, this.blockCache, this.inFlight)
    } finally {
      done?.()
    }
  }

  /**
   * Answers at once, without waiting for anything, when the file's bytes are already in memory (a small file
   * asked for before). Returns false, having written nothing, when they are not.
   */
  sendCached (req: HotRequest | IncomingMessage, res: HeadWriter, file: DriveFile, opts: ServeOptions): boolean {
    const body = file.size === 0 ? EMPTY : file.blob!.blockLength === 1 ? this.cachedBlock(file) : undefined
    if (!body) return false
    const range = writeHead(req, res, file, opts)
    if (range) res.end(range.start === 0 && range.end === body.length - 1 ? body : body.subarray(range.start, range.end + 1))
    return true
  }

  private cachedBlock (file: DriveFile): Buffer | undefined {
    const core = file.drive.loadedBlobs?.core
    return core ? this.blockCache.get(blockKey(core, file.blob!.blockOffset)) : undefined
  }
}

/** Fetches the block a GET starts at, within BLOCK_WAIT_MS, or throws NO_HOLDER. */
async function firstBlock (req: IncomingMessage, file: DriveFile): Promise<void> {
  if (!file.blob || file.size === 0 || req.method === 'HEAD' || req.headers['if-none-match'] === file.etag) return
  const ranges = req.headers.range ? parseRange(file.size, req.headers.range, { combine: true }) : null
  const start = Array.isArray(ranges) && ranges.length === 1 && (!req.headers['if-range'] || req.headers['if-range'] === file.etag) ? ranges[0].start : 0
  const none = () => NO_HOLDER('No node that holds this file answered in time: it may have just left. Try again in a moment.', { reason: 'noHolder' })
  // One deadline for every step, so the visitor waits BLOCK_WAIT_MS at most, not once per step.
  const deadline = Date.now() + BLOCK_WAIT_MS
  const left = () => Math.max(1, deadline - Date.now())
  const blobs = await Promise.race([file.drive.fileBlobs(), new Promise(resolve => setTimeout(resolve, left()).unref())]) as any
  if (!blobs) throw none()
  // From the start of the file the block is known; from elsewhere, finding it may need the holder's tree too.
  const at = start === 0 ? [file.blob.blockOffset] : await blobs.core.seek(file.blob.byteOffset + start, { timeout: left() }).catch(() => null)
  if (!at) throw none()
  if (!await blobs.core.get(at[0], { timeout: left() }).catch(() => null)) throw none()
}

/**
 * Sets status and headers (caching, Range, type, the caller's extra headers). Returns the inclusive byte range
 * to send, or null when the answer is already complete (304, 416, HEAD, an empty file).
 */
function writeHead (req: HotRequest | IncomingMessage, res: HeadWriter, file: DriveFile, opts: ServeOptions): { start: number, end: number } | null {
  const { size, etag } = file
  // One flat list handed to writeHead: the per-header checks of setHeader cost more than the rest of a small
  // file's answer.
  const h: string[] = ['Accept-Ranges', 'bytes', 'ETag', etag, ...fixedHeaders(opts.headers)]
  if (opts.download) {
    const base = file.name.split('/').pop() ?? 'file'
    h.push('Content-Disposition', `attachment; filename="${base.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(base)}`)
  }

  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, h).end()
    return null
  }

  let status = 200
  let start = 0
  let end = size - 1
  const rangeHeader = req.headers.range
  const ifRange = req.headers['if-range']
  if (rangeHeader && (!ifRange || ifRange === etag)) {
    const ranges = parseRange(size, rangeHeader, { combine: true })
    if (ranges === -1) {
      h.push('Content-Range', `bytes */${size}`, 'Content-Type', 'text/plain; charset=utf-8')
      // Seen by a person only when they open such a URL by hand: in their language like every other error.
      res.writeHead(416, h).end(errorText(coded(RANGE_NOT_SATISFIABLE, 'rangeNotSatisfiable', { size }), pickAdminLanguage(req)) + '\n')
      return null
    }
    // Several disjoint ranges are optional in HTTP; a plain 200 with the whole file is a valid answer to them.
    if (ranges !== -2 && ranges.length === 1) {
      start = ranges[0].start
      end = ranges[0].end
      status = 206
      h.push('Content-Range', `bytes ${start}-${end}/${size}`)
    }
  }
  const length = size === 0 ? 0 : end - start + 1
  h.push('Content-Type', file.type, 'Content-Length', String(length))
  res.writeHead(status, h)
  if (req.method === 'HEAD' || length === 0) { res.end(); return null }
  return { start, end }
}

const NO_EXTRA = {}
// Derived from constant header sets only (each caller's own object), so sharing it between nodes is harmless.
const fixedHeaderLists = new WeakMap<Record<string, string>, string[]>()

/** Our fixed headers with the caller's, theirs replacing ours of the same name; worked out once per caller. */
function fixedHeaders (extra: Record<string, string> = NO_EXTRA): string[] {
  let list = fixedHeaderLists.get(extra)
  if (!list) {
    const names = new Set(Object.keys(extra).map(k => k.toLowerCase()))
    list = []
    if (!names.has('x-content-type-options')) list.push('X-Content-Type-Options', 'nosniff')
    if (!names.has('cache-control')) list.push('Cache-Control', 'no-cache')
    for (const k in extra) list.push(k, extra[k])
    fixedHeaderLists.set(extra, list)
  }
  return list
}

interface Pending { block: Promise<Buffer | null>, held: number }

const blockKey = (core: any, index: number): string => `${core.id}:${core.fork}:${index}`

/**
 * Writes bytes start..end (inclusive) of a blob. Local blocks are read one at a time with the next one already
 * on its way, so a connection holds at most two blocks however large the file; a partial mirror's blob goes
 * through hyperblobs' stream instead, which fetches the missing blocks from peers ahead of the reader.
 */
async function streamBlob (res: ServerResponse, blobs: any, blob: BlobRef, start: number, end: number, blockCache: BlockCache, inFlight: ByteBudget): Promise<void> {
  const core = blobs.core
  const first = blob.blockOffset
  const last = blob.blockOffset + blob.blockLength
  if (!(await core.has(first, last))) return pipeRemote(res, blobs, blob, start, end)
  // A block already in memory costs nothing more to hold; one read from storage holds its share of the budget.
  const share = blob.byteLength / blob.blockLength
  const begin = (index: number, wait: boolean): Pending | null => {
    const key = blockKey(core, index)
    const hit = blockCache.get(key)
    if (hit) return { block: Promise.resolve(hit), held: 0 }
    const read = () => blockCache.read(key, () => core.get(index, { wait: false }))
    if (wait) return { block: inFlight.acquire(share).then(read), held: share }
    return inFlight.tryAcquire(share) ? { block: read(), held: share } : null
  }
  let closed = false
  res.once('close', () => { closed = true })
  // Skip the blocks wholly before `start` using the blob's byte offsets: a seek in a video reads no extra blocks.
  let i = first
  let offset = 0
  if (start > 0) {
    const seek = await core.seek(blob.byteOffset + start, { wait: false }).catch(() => null)
    if (seek && seek[0] >= first && seek[0] < last) {
      i = seek[0]
      offset = start - seek[1]
    }
  }
  // The next block is read ahead only when the budget has room now: waiting for room while holding a block
  // would let every connection hold one and wait forever for a second.
  let next: Pending | null = null
  try {
    for (; i < last && !closed; i++) {
      const current = next ?? begin(i, true)!
      next = null
      const block = await current.block.catch(() => null)
      if (!block || closed) { inFlight.release(current.held); if (!closed) res.destroy(); return }
      next = i + 1 < last ? begin(i + 1, false) : null
      next?.block.catch(() => { /* seen when its turn comes, through current.block above */ })
      const from = Math.max(start - offset, 0)
      const to = Math.min(end - offset + 1, block.length)
      offset += block.length
      const written = to <= from || res.write(from === 0 && to === block.length ? block : block.subarray(from, to))
      if (!written && !closed) await drained(res)
      inFlight.release(current.held)
      if (offset > end) break
    }
  } finally {
    // A read-ahead that was not consumed gives its share back.
    if (next) { const held = next.held; next.block.then(() => inFlight.release(held), () => inFlight.release(held)) }
  }
  if (!closed) res.end()
}

/** Resolves when the response can take more, or is gone; leaves no listener behind (a 2 GB video drains often). */
function drained (res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { res.off('drain', done); res.off('close', done); resolve() }
    res.once('drain', done)
    res.once('close', done)
  })
}

function pipeRemote (res: ServerResponse, blobs: any, blob: BlobRef, start: number, end: number): Promise<void> {
  const stream = blobs.createReadStream(blob, { start, end, timeout: BLOCK_WAIT_MS })
  return new Promise<void>((resolve) => {
    // A phone that goes away mid-video must release the stream (and its block requests) at once.
    res.once('close', () => { stream.destroy(); resolve() })
    stream.once('error', () => { res.destroy(); resolve() })
    stream.on('data', (chunk: Buffer) => { if (!res.write(chunk)) { stream.pause(); res.once('drain', () => stream.resume()) } })
    stream.once('end', () => { res.end(); resolve() })
  })
}
