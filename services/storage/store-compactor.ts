// Gives the space of cleared blocks back to the card. hypercore-storage keeps blocks in RocksDB's blob files:
// clearing a block only writes a tombstone, and the blob file holding it is deleted once compaction has dropped
// every key that points into it. Compaction writes (new tables, and relocated blobs when forced), and an SD card
// wears with writes, so it runs some seconds after the last reclaim and at most once a minute.
import { logger } from '../log.js'

const log = logger('storage')

// RocksDB's compactRange options (rocksdb-native constants): FORCE the bottommost level so that range tombstones
// and the keys they cover are dropped, and, when asked, FORCE blob garbage collection, which rewrites the live
// blobs of the oldest blob files so that files only partly garbage can go too.
const BOTTOMMOST_FORCE = 2
const BLOB_GC_FORCE = 1
/** Blob files partly garbage: forced collection rewrites their live blobs, so it runs only past this much waste. */
const WASTE_SHARE = 0.15
const WASTE_MIN = 16 * 1024 * 1024

export interface CompactorOptions {
  /** Runs one RocksDB compaction with these options. */
  compact: (opts: Record<string, number>) => Promise<void>
  /** Bytes the store uses on disk now, and the bytes its drives need (null: unknown). */
  measure: () => Promise<{ onDisk: number, needed: number } | null>
  delayMs?: number
  minGapMs?: number
}

export class StoreCompactor {
  private readonly delayMs: number
  private readonly minGapMs: number
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private lastRun = 0
  private pending = 0
  private closed = false
  /** Compactions run so far (status, tests). */
  runs = 0

  constructor (private readonly opts: CompactorOptions) {
    this.delayMs = opts.delayMs ?? 5_000
    this.minGapMs = opts.minGapMs ?? 60_000
  }

  /** Blocks were cleared: compact once reclaims have settled, within the rate limit. */
  reclaimed (bytes: number): void {
    if (this.closed) return
    this.pending += bytes
    if (this.timer) clearTimeout(this.timer)
    const wait = Math.max(this.delayMs, this.lastRun + this.minGapMs - Date.now())
    this.timer = setTimeout(() => { this.timer = null; this.runSoon() }, wait)
    this.timer.unref()
  }

  private runSoon (): void {
    if (this.closed || this.pending === 0) return
    if (this.running) { this.reclaimed(0); return }
    this.running = this.run().catch((err: Error) => log.warn(`compacting the store failed: ${err.message}; tried again after the next reclaim`))
      .finally(() => { this.running = null })
  }

  private async run (): Promise<void> {
    const pending = this.pending
    this.pending = 0
    this.lastRun = Date.now()
    this.runs++
    const before = await this.opts.measure()
    await this.opts.compact({ bottommostLevelCompaction: BOTTOMMOST_FORCE })
    let after = await this.opts.measure()
    if (after && !this.closed && after.onDisk - after.needed > Math.max(WASTE_MIN, after.needed * WASTE_SHARE)) {
      await this.opts.compact({ bottommostLevelCompaction: BOTTOMMOST_FORCE, blobGarbageCollectionPolicy: BLOB_GC_FORCE, blobGarbageCollectionAgeCutoff: 1 })
      after = await this.opts.measure()
    }
    const mb = (n?: number) => n === undefined ? '?' : `${(n / 1e6).toFixed(1)} MB`
    log.info(`store compacted after ${mb(pending)} reclaimed: ${mb(before?.onDisk)} → ${mb(after?.onDisk)} on disk, ${mb(after?.needed)} needed`)
  }

  /** Stops planning compactions and waits for one running (RocksDB must not close under it). */
  async close (): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
