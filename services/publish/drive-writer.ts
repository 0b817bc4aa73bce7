// Writes into one of the node's own drives: streamed files in 512 KiB blocks, renames and deletions.
// One write at a time per drive (LibraryDrive.exclusive, shared by every writer of the drive and its reclaim), so a
// failed file's blocks can be cleared without touching another's.
import fs from 'node:fs/promises'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Library } from '../storage/library.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import { SMALL_CHUNK_BYTES, type GarbagePacer } from '../storage/garbage-pacer.js'
import { isHidden } from '../storage/library-drive.js'
import { BlockAppender } from './block-appender.js'
import { BLOCK_SIZE } from './folder-publisher.js'
import { drivePath } from '../storage/drive-path.js'
import { BAD_PATH, BAD_REQUEST, DISK_FULL, FILE_NOT_FOUND, NOT_WRITABLE, asDiskFull, isPortalError } from '../errors.js'

// Left free for the storage engine and the state files. RocksDB that meets ENOSPC turns read-only until the
// node restarts (it cannot even free space by deleting). Free space seen on disk lags what it will need: up to
// two 64 MiB write buffers not flushed yet, then a flush writes their table and preallocates a new log (seen:
// a 140 MB dip during one flush). So uploads stop this far short of a full disk: 1.6 % of a 16 GB card.
const DISK_MARGIN = 256 * 1024 * 1024
// How often a streaming upload looks at the free space: every 4 MiB.
const CHECK_EVERY_BLOCKS = 8

/** Splits a stream into BLOCK_SIZE chunks: each write to a Hyperdrive stream becomes one block. */
export class Rechunker extends Transform {
  private parts: Buffer[] = []
  private length = 0
  /** Bytes in `parts` that came in an upload body's small chunks (garbage-pacer.ts, SMALL_CHUNK_BYTES). */
  private small = 0
  bytes = 0

  constructor (private readonly garbage: GarbagePacer | null = null) {
    super()
  }

  override _transform (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length < SMALL_CHUNK_BYTES) this.small += chunk.length
    this.parts.push(chunk)
    this.length += chunk.length
    this.bytes += chunk.length
    if (this.length >= BLOCK_SIZE) {
      let all = Buffer.concat(this.parts, this.length)
      while (all.length >= BLOCK_SIZE) {
        this.push(all.subarray(0, BLOCK_SIZE))
        all = all.subarray(BLOCK_SIZE)
      }
      this.parts = all.length ? [all] : []
      this.length = all.length
      // Only now are the chunks garbage: a collection while `parts` held them would have kept them longer.
      if (this.small > 0) this.garbage?.noteSmallChunks(this.small)
      this.small = 0
    }
    cb()
  }

  override _flush (cb: TransformCallback): void {
    if (this.length) this.push(Buffer.concat(this.parts, this.length))
    this.parts = []
    cb()
  }
}

/** A user-given path inside a drive ("a/b.txt", "/a/b.txt"), checked like a URL path; never the hidden folder. */
export function userPath (text: unknown): string {
  if (typeof text !== 'string' || text.trim() === '') throw BAD_PATH('Give a file name.', { reason: 'fileNameMissing' })
  const name = drivePath(text.split('/').map(encodeURIComponent).join('/'))
  if (name === '/') throw BAD_PATH('Give a file name, not just "/".', { reason: 'fileNameRoot' })
  if (isHidden(name)) throw BAD_PATH('That folder is reserved for the portal itself.', { reason: 'folderReserved' })
  return name
}

/** Free bytes on the data disk, or null when it cannot be told. */
export type FreeBytes = () => Promise<number | null>

/** Passes blocks through, failing with DISK_FULL once the disk's free space falls below the margin. */
class SpaceGuard extends Transform {
  private blocks = 0

  constructor (private readonly freeBytes: FreeBytes, private readonly garbage: GarbagePacer) {
    super()
  }

  override _transform (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.garbage.note(chunk.length)
    if (++this.blocks % CHECK_EVERY_BLOCKS !== 0) return cb(null, chunk)
    this.freeBytes().then((free) => {
      if (free !== null && free < DISK_MARGIN) cb(DISK_FULL('The disk is full: the upload was stopped and nothing of it was kept. Delete files or lower the caps, then try again.', { reason: 'diskFullUpload' }))
      else cb(null, chunk)
    }, () => cb(null, chunk))
  }
}

export interface DriveWriterOptions {
  /** How free space is measured; statfs of the data folder by default. */
  freeBytes?: FreeBytes
}

export class DriveWriter {
  private readonly freeBytes: FreeBytes

  constructor (private readonly library: Library, dataDir: string, opts: DriveWriterOptions = {}) {
    this.freeBytes = opts.freeBytes ?? (() => fs.statfs(dataDir).then(st => st.bavail * st.bsize, () => null))
  }

  /** An own drive the admin may change (not one that mirrors a --share folder, which would undo the change). */
  writable (key: string): LibraryDrive {
    const d = this.library.require(key, false)
    if (!d.own || !d.drive.writable) throw NOT_WRITABLE('This drive was published by another node: only its publisher can change it.', { reason: 'notPublisher' })
    const share = this.library.record(d.id)?.share
    if (share) throw NOT_WRITABLE(`This drive publishes the folder ${share}: change the files in that folder instead.`, { reason: 'sharedFolderDrive', folder: share })
    return d
  }

  /** Refuses an upload the disk cannot hold, before writing anything. */
  async checkSpace (bytes: number): Promise<void> {
    if (!(bytes > 0)) return
    const free = await this.freeBytes()
    if (free !== null && free < bytes + DISK_MARGIN) {
      const mb = Math.round(bytes / 1048576)
      throw DISK_FULL(`Not enough free space for this upload (${mb} MB): free space on the node first.`, { reason: 'notEnoughSpace', mb })
    }
  }

  /**
   * Streams `source` into `name`; on failure no entry is written and the blocks written so far are cleared. On
   * success the blocks of the file it replaced are cleared: only a superseded version needed them.
   */
  writeStream (d: LibraryDrive, name: string, source: Readable, metadata: Record<string, unknown> = {}, opts: { executable?: boolean } = {}): Promise<number> {
    return d.exclusive(async () => {
      const drive = d.drive
      const blobs = await drive.getBlobs()
      const before: number = blobs.core.length
      const replaced = (await d.localEntry(name))?.value?.blob as { blockOffset: number, blockLength: number } | undefined
      const chunker = new Rechunker(this.library.garbage)
      const entryMetadata = { mtime: Date.now(), ...metadata }
      const appender = new BlockAppender(blobs)
      try {
        await pipeline(source, chunker, new SpaceGuard(this.freeBytes, this.library.garbage), appender)
        // As hyperdrive's own write stream does it: the entry only after the file's last block.
        await drive.putEntry(name, { executable: opts.executable === true, blob: appender.id, metadata: entryMetadata })
      } catch (err) {
        // Hyperdrive adds the file's entry only after its last block, so a failed file is never listed;
        // its blocks are freed so a full disk is not left fuller.
        // Only this file's blocks: a small put() may have appended before the appender took the lock, or after it let go.
        const from = appender.appended > 0 ? appender.id.blockOffset : before
        await d.clearBlocks(blobs.core, from, from + appender.appended).catch(() => { /* the write error is the one to report */ })
        throw await this.explain(err)
      }
      if (replaced?.blockLength) {
        await d.clearBlocks(blobs.core, replaced.blockOffset, replaced.blockOffset + replaced.blockLength)
          .catch(() => { /* the file is written; the drive's next reclaim clears these blocks */ })
      }
      return chunker.bytes
    })
  }

  /**
   * RocksDB reports a failed write as "Batch was not applied", without the ENOSPC behind it: a write that
   * failed while the disk is (nearly) full is taken to be the full disk.
   */
  async explain (err: unknown): Promise<unknown> {
    if (isPortalError(err)) return err
    const full = asDiskFull(err)
    if (full) return full
    const free = await this.freeBytes()
    if (free !== null && free < DISK_MARGIN) return asDiskFull({ code: 'ENOSPC' })
    return err
  }

  async rename (d: LibraryDrive, fromText: unknown, toText: unknown): Promise<string> {
    const from = userPath(fromText)
    const to = userPath(toText)
    return d.exclusive(async () => {
      const entry = await d.drive.entry(from)
      if (!entry) throw FILE_NOT_FOUND(`There is no file ${from} in this drive.`, { reason: 'noSuchFile', name: from })
      if (from === to) return to
      if (await d.drive.entry(to)) throw BAD_REQUEST(`${to} already exists: delete it first or choose another name.`, { reason: 'nameExists', name: to })
      await wrap(() => d.drive.putEntry(to, entry.value))
      await wrap(() => d.drive.del(from))
      return to
    })
  }

  async remove (d: LibraryDrive, nameText: unknown): Promise<string> {
    const name = userPath(nameText)
    return d.exclusive(async () => {
      const entry = await d.drive.entry(name)
      if (!entry) throw FILE_NOT_FOUND(`There is no file ${name} in this drive.`, { reason: 'noSuchFile', name })
      await wrap(() => d.drive.del(name))
      // Frees the file's blocks on this disk too; mirrors that already hold them keep theirs.
      const blob = entry.value.blob as { blockOffset: number, blockLength: number } | null
      if (blob?.blockLength) {
        await d.clearBlocks(await d.drive.getBlobs().then((b: any) => b.core), blob.blockOffset, blob.blockOffset + blob.blockLength)
          .catch(() => { /* the entry is deleted; the drive's next reclaim clears these blocks */ })
      }
      return name
    })
  }

}

async function wrap<T> (fn: () => Promise<T>): Promise<T> {
  try { return await fn() } catch (err) { throw asDiskFull(err) ?? err }
}

/** Files of a drive for the admin page, hidden portal files left out. */
export async function listFiles (d: LibraryDrive, limit = 5000): Promise<{ files: Array<{ path: string, bytes: number }>, more: boolean }> {
  const files: Array<{ path: string, bytes: number }> = []
  for await (const entry of d.drive.list('/', { recursive: true, wait: false })) {
    if (isHidden(entry.key)) continue
    if (files.length >= limit) return { files, more: true }
    files.push({ path: entry.key, bytes: entry.value.blob?.byteLength ?? 0 })
  }
  return { files, more: false }
}
