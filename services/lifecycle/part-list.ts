// What a composition root has opened, so that it closes exactly that, in reverse, even after a failed start.
import type { Logger } from '../log.js'

export interface Part { open (): Promise<void>, close (): Promise<void> }

export class PartList {
  private readonly parts: Array<{ name: string, close: () => Promise<void> }> = []

  /** Opens a part; it is listed before it opens, so a part that fails half-way is still closed. */
  async open<T extends Part> (name: string, part: T): Promise<T> {
    this.parts.push({ name, close: () => part.close() })
    await part.open()
    return part
  }

  /** Something to undo at close that is not a part of its own (listeners between parts, timers). */
  onClose (name: string, undo: () => void | Promise<void>): void {
    this.parts.push({ name, close: async () => { await undo() } })
  }

  /** Closes in reverse order; one part failing to close does not keep the others open. */
  async closeAll (log: Logger): Promise<void> {
    for (const part of this.parts.splice(0).reverse()) {
      try {
        await part.close()
      } catch (err) {
        log.error(`closing ${part.name}: ${(err as Error).message}`)
      }
    }
  }
}
