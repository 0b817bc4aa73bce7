// Blocks asked for again and again — the thumbnails and pages every phone loads, the video half the room is
// watching — are kept in memory within a fixed budget, so they cost no storage read and no new allocation.
// Reads of the same block that overlap share one storage read.
export class BlockCache {
  private readonly map = new Map<string, Buffer>()
  private readonly reading = new Map<string, Promise<Buffer | null>>()
  private bytes = 0

  constructor (readonly budgetBytes = 16 * 1024 * 1024, readonly maxBlockBytes = 1024 * 1024) {}

  get size (): number { return this.bytes }

  get (key: string): Buffer | undefined {
    const buf = this.map.get(key)
    if (buf) { this.map.delete(key); this.map.set(key, buf) }
    return buf
  }

  set (key: string, buf: Buffer): void {
    if (buf.length > this.maxBlockBytes || this.map.has(key)) return
    this.map.set(key, buf)
    this.bytes += buf.length
    for (const [k, b] of this.map) {
      if (this.bytes <= this.budgetBytes) break
      this.map.delete(k)
      this.bytes -= b.length
    }
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
}
