// Blocks asked for again and again — the thumbnails and pages every phone loads, the video half the room is
// watching — are kept in memory within a fixed budget, so they cost no storage read and no new allocation.
// Reads of the same block that overlap share one storage read. A block nobody has asked for in `idleMs` goes:
// kept for good, the last video watched held its 10-12 MB of blocks in an idle node's memory long after the
// phones had left (bench/README.md, "The whole budget on main").

export interface BlockCacheOptions {
  /** A block not read for this long is dropped (checked every half of it). Default 30 s. */
  idleMs?: number
  /** Told the bytes dropped for idleness: their memory goes back only once V8 collects the Buffers. */
  released?: (bytes: number) => void
}

interface Entry { buf: Buffer, used: number }

export class BlockCache {
  // In order of last use, oldest first.
  private readonly map = new Map<string, Entry>()
  private readonly reading = new Map<string, Promise<Buffer | null>>()
  private bytes = 0
  private readonly idleMs: number
  private readonly released: (bytes: number) => void
  private sweeper: NodeJS.Timeout | null = null

  constructor (readonly budgetBytes = 16 * 1024 * 1024, readonly maxBlockBytes = 1024 * 1024, opts: BlockCacheOptions = {}) {
    this.idleMs = opts.idleMs ?? 30_000
    this.released = opts.released ?? (() => { /* nobody to tell */ })
  }

  get size (): number { return this.bytes }

  /** Whether the idle check is scheduled (only while something is kept). */
  get sweeping (): boolean { return this.sweeper !== null }

  get (key: string): Buffer | undefined {
    const e = this.map.get(key)
    if (!e) return undefined
    e.used = Date.now()
    this.map.delete(key)
    this.map.set(key, e)
    return e.buf
  }

  set (key: string, buf: Buffer): void {
    if (buf.length > this.maxBlockBytes || this.map.has(key)) return
    this.map.set(key, { buf, used: Date.now() })
    this.bytes += buf.length
    for (const [k, e] of this.map) {
      if (this.bytes <= this.budgetBytes) break
      this.map.delete(k)
      this.bytes -= e.buf.length
    }
    this.sweeper ??= setInterval(() => this.dropIdle(), Math.max(1, this.idleMs / 2)).unref()
  }

  /** The cached block, or the result of `read` (cached on the way), with concurrent reads of a key merged. */
  read (key: string, read: () => Promise<Buffer | null>): Promise<Buffer | null> {
    const hit = this.get(key)
    if (hit) return Promise.resolve(hit)
    let pending = this.reading.get(key)
    if (!pending) {
      pending = read().then((b) => { if (b) this.set(key, b); return b }).finally(() => this.reading.delete(key))
      this.reading.set(key, pending)
    }
    return pending
  }

  /** Drops everything and stops the idle check. */
  close (): void {
    this.stopSweeping()
    this.map.clear()
    this.bytes = 0
  }

  private dropIdle (): void {
    const before = Date.now() - this.idleMs
    let dropped = 0
    for (const [k, e] of this.map) {
      if (e.used > before) break
      this.map.delete(k)
      dropped += e.buf.length
    }
    this.bytes -= dropped
    if (this.map.size === 0) this.stopSweeping()
    if (dropped > 0) this.released(dropped)
  }

  private stopSweeping (): void {
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = null
  }
}
