// Small, hot files (thumbnails, pages, icons) are asked for again and again by every phone on the hotspot:
// keep their blocks in memory, within a fixed budget, so they cost no storage read.
export class BlockCache {
  private readonly map = new Map<string, Buffer>()
  private bytes = 0

  constructor (readonly budgetBytes = 8 * 1024 * 1024, readonly maxBlockBytes = 128 * 1024) {}

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
}
