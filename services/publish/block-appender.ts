// Appends a stream's blocks to a drive's file-data core a few at a time, in place of hyperblobs' write stream,
// which appends them 16 at a time (fixed in hyperblobs 2.12). Until RocksDB has taken an append, its blocks are
// in memory several times over: the Buffers, the native WriteBatch they are copied into, the memtable. With
// 512 KiB blocks a batch of 16 is 8 MiB of each, on a node whose whole budget is 150 MiB: a 300 MB admin upload
// with a mirror copying it peaked at 141.7-156.5 MiB with batches of 16 and 124.5-140.6 MiB with batches of 4
// (bench/README.md, "Upload peak").
import { Writable } from 'node:stream'
import type { BlobRef } from '../storage/library-drive.js'

/**
 * Blocks per append: 2 MiB of 512 KiB blocks. Each append also costs a signed tree root, a RocksDB write and, with a
 * live mirror, an upgrade to it: a 300 MB write takes ≈ 10-15 % more CPU than in batches of 16 (bench/README.md).
 */
export const APPEND_BLOCKS = 4

/** What the appender needs of hyperblobs: its core and the lock every writer of the core takes. */
export interface Blobs {
  core: { length: number, byteLength: number, ready: () => Promise<void>, append: (blocks: Buffer[]) => Promise<unknown> }
  _lock: (fn: (release: () => void) => void) => void
}

export class BlockAppender extends Writable {
  /** Where the written bytes are in the core: the entry's `blob` once the stream has finished. */
  readonly id: BlobRef = { blockOffset: 0, byteOffset: 0, blockLength: 0, byteLength: 0 }
  /** Blocks appended so far, from `id.blockOffset` on: what a failed write leaves to clear. */
  appended = 0
  private batch: Buffer[] = []
  private release: (() => void) | null = null

  constructor (private readonly blobs: Blobs, private readonly batchBlocks = APPEND_BLOCKS) {
    // One block waiting here at most: the stream before it holds the next.
    super({ highWaterMark: 1, objectMode: true })
  }

  override _construct (cb: (err?: Error | null) => void): void {
    this.open().then(() => cb(), cb)
  }

  override _write (block: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.batch.push(block)
    if (this.batch.length < this.batchBlocks) return cb()
    this.append().then(() => cb(), cb)
  }

  override _final (cb: (err?: Error | null) => void): void {
    this.append().then(() => {
      const core = this.blobs.core
      this.id.blockLength = core.length - this.id.blockOffset
      this.id.byteLength = core.byteLength - this.id.byteOffset
      cb()
    }, cb)
  }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    this.release?.()
    this.release = null
    cb(err)
  }

  private async open (): Promise<void> {
    const core = this.blobs.core
    await core.ready()
    // hyperblobs' own lock: a drive's put() of a small file (its title, a folder's index) appends to the same core.
    this.release = await new Promise<() => void>(resolve => this.blobs._lock(resolve))
    this.id.blockOffset = core.length
    this.id.byteOffset = core.byteLength
  }

  private async append (): Promise<void> {
    if (this.batch.length === 0) return
    const blocks = this.batch
    this.batch = []
    await this.blobs.core.append(blocks)
    this.appended += blocks.length
  }
}
