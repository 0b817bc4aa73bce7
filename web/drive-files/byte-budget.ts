// A counting semaphore over bytes: callers wait until what they want to hold fits the budget.
export class ByteBudget {
  private used = 0
  private readonly waiting: Array<{ bytes: number, resolve: () => void }> = []

  constructor (readonly limit: number) {}

  acquire (bytes: number): Promise<void> {
    // One request larger than the whole budget still runs, alone.
    if (this.used === 0 || this.used + bytes <= this.limit) {
      this.used += bytes
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waiting.push({ bytes, resolve }))
  }

  /** Takes the bytes only if they fit now and nobody is waiting. */
  tryAcquire (bytes: number): boolean {
    if (this.waiting.length || this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  release (bytes: number): void {
    this.used -= bytes
    while (this.waiting.length && (this.used === 0 || this.used + this.waiting[0].bytes <= this.limit)) {
      const w = this.waiting.shift()!
      this.used += w.bytes
      w.resolve()
    }
  }
}
