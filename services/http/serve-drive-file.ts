// Streams one file out of a drive with HTTP caching and Range, never holding more than a block in memory.
import type { IncomingMessage, ServerResponse } from 'node:http'
import mime from 'mime-types'
import parseRange from 'range-parser'
import type { LibraryDrive } from '../storage/library-drive.js'

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
  const entry = await drive.entry(name, { follow: true, timeout: BLOCK_WAIT_MS }).catch(() => null)
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
  // Whole single-block files (most pages, thumbnails, small images) go out in one write.
  if (blob.blockLength === 1) {
    const block: Buffer | null = await blobs.core.get(blob.blockOffset, { timeout: BLOCK_WAIT_MS }).catch(() => null)
    if (!block) { res.destroy(); return true }
    res.end(block.subarray(start, end + 1))
    return true
  }
  const stream = blobs.createReadStream(blob, { start, end, timeout: BLOCK_WAIT_MS })
  await new Promise<void>((resolve) => {
    // A phone that goes away mid-video must release the stream (and its block requests) at once.
    const stop = () => { stream.destroy(); resolve() }
    res.once('close', stop)
    stream.once('error', () => { res.destroy(); resolve() })
    stream.once('end', resolve)
    stream.on('data', (chunk: Buffer) => { if (!res.write(chunk)) { stream.pause(); res.once('drain', () => stream.resume()) } })
    stream.once('end', () => res.end())
  })
  return true
}
