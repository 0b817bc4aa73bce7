// Streams one file out of a drive with HTTP caching and Range, never holding more than a block in memory.
import type { IncomingMessage, ServerResponse } from 'node:http'
import mime from 'mime-types'
import parseRange from 'range-parser'
import type { LibraryDrive, BlobRef } from '../storage/library-drive.js'
import { BlockCache } from '../storage/block-cache.js'
import { ByteBudget } from './byte-budget.js'

// How long a read waits for a block that is not here yet (a partial mirror fetching it from a peer).
const BLOCK_WAIT_MS = 10_000

export interface ServeOptions {
  /** Extra headers, e.g. the sandbox CSP for untrusted content. */
  headers?: Record<string, string>
  /** Force a download (Content-Disposition: attachment). */
  download?: boolean
}

export function contentType (name: string): string {
  const type = mime.lookup(name) || 'application/octet-stream'
  return /^text\/|javascript|json|xml|svg/.test(type) ? `${type}; charset=utf-8` : type
}

/** Returns false when there is no such file (the caller answers 404). */
export async function serveDriveFile (req: IncomingMessage, res: ServerResponse, d: LibraryDrive, name: string, opts: ServeOptions = {}): Promise<boolean> {
  const drive = d.drive
  const entry = await d.lookup(name, { timeout: BLOCK_WAIT_MS }).catch(() => null)
  if (!entry || !entry.value) return false
  const blob = entry.value.blob
  const size: number = blob ? blob.byteLength : 0
  const etag = `"${drive.core.fork}-${blob ? blob.blockOffset : 0}-${size}"`

  res.setHeader('Accept-Ranges', 'bytes')
  res.setHeader('ETag', etag)
  res.setHeader('Content-Type', contentType(name))
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Cache-Control', 'no-cache')
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v)
  if (opts.download) {
    const base = name.split('/').pop() ?? 'file'
    res.setHeader('Content-Disposition', `attachment; filename="${base.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(base)}`)
  }

  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304
    res.end()
    return true
  }

  let start = 0
  let end = size - 1
  const rangeHeader = req.headers.range
  const ifRange = req.headers['if-range']
  if (rangeHeader && (!ifRange || ifRange === etag)) {
    const ranges = parseRange(size, rangeHeader, { combine: true })
    if (ranges === -1) {
      res.statusCode = 416
      res.setHeader('Content-Range', `bytes */${size}`)
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end('Requested range not satisfiable\n')
      return true
    }
    // Several disjoint ranges are optional in HTTP; a plain 200 with the whole file is a valid answer to them.
    if (ranges !== -2 && ranges.length === 1) {
      start = ranges[0].start
      end = ranges[0].end
      res.statusCode = 206
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`)
    }
  }
  const length = size === 0 ? 0 : end - start + 1
  res.setHeader('Content-Length', String(length))
  if (req.method === 'HEAD' || length === 0) { res.end(); return true }

  const blobs = await drive.getBlobs()
  await streamBlob(res, blobs, blob, start, end)
  return true
}

const blockCache = new BlockCache()
// Bytes of blocks held by all connections at once. 200 phones each holding two 512 KiB blocks would need
// 200 MB, more than a Pi Zero 2 W can spare; past this budget, readers wait their turn.
const inFlight = new ByteBudget(32 * 1024 * 1024)

/**
 * Writes bytes start..end (inclusive) of a blob. Local blocks are read one at a time with the next one already
 * on its way, so a connection holds at most two blocks however large the file; a partial mirror's blob goes
 * through hyperblobs' stream instead, which fetches the missing blocks from peers ahead of the reader.
 */
async function streamBlob (res: ServerResponse, blobs: any, blob: BlobRef, start: number, end: number): Promise<void> {
  const core = blobs.core
  const first = blob.blockOffset
  const last = blob.blockOffset + blob.blockLength
  if (!(await core.has(first, last))) return pipeRemote(res, blobs, blob, start, end)
  const get = (i: number): Promise<Buffer | null> => {
    const key = `${core.id}:${i}`
    const hit = blockCache.get(key)
    if (hit) return Promise.resolve(hit)
    return core.get(i, { wait: false }).then((b: Buffer | null) => { if (b && blob.blockLength === 1) blockCache.set(key, b); return b })
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
  const share = blob.byteLength / blob.blockLength
  // The next block is read ahead only when the budget has room now: waiting for room while holding a block
  // would let every connection hold one and wait forever for a second.
  const readAhead = (index: number): Promise<Buffer | null> | null =>
    index < last && inFlight.tryAcquire(share) ? get(index) : null
  let next: Promise<Buffer | null> | null = null
  try {
    for (; i < last && !closed; i++) {
      const pending = next
      next = null
      const block = pending ? await pending : await inFlight.acquire(share).then(() => get(i))
      if (!block || closed) { inFlight.release(share); if (!closed) res.destroy(); return }
      next = readAhead(i + 1)
      next?.catch(() => {})
      const from = Math.max(start - offset, 0)
      const to = Math.min(end - offset + 1, block.length)
      offset += block.length
      const written = to <= from || res.write(from === 0 && to === block.length ? block : block.subarray(from, to))
      if (!written && !closed) await drained(res)
      inFlight.release(share)
      if (offset > end) break
    }
  } finally {
    // A read-ahead that was not consumed gives its share back.
    if (next) next.then(() => inFlight.release(share), () => inFlight.release(share))
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
