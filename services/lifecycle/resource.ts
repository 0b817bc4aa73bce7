// One lifecycle for every long-lived part, after Holepunch's ready-resource: open() and close() may be called
// any number of times and share one promise each; close() waits for an open still in progress, then runs
// _close(), which undoes _open() in reverse and must cope with an _open() that failed half-way.
import { EventEmitter } from 'node:events'

export abstract class Resource extends EventEmitter {
  opened = false
  closed = false
  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null

  open (): Promise<void> {
    if (this.#closing) return Promise.reject(new Error(`${this.constructor.name} was closed: it cannot open again`))
    this.#opening ??= this._open().then(() => { this.opened = true })
    return this.#opening
  }

  close (): Promise<void> {
    this.#closing ??= this.closeOnce()
    return this.#closing
  }

  /** True from the first close() call on: background work checks it before starting anything new. */
  get isClosing (): boolean { return this.#closing !== null }

  protected async _open (): Promise<void> { /* a part with nothing to open overrides only _close */ }
  protected async _close (): Promise<void> { /* a part with nothing to undo overrides only _open */ }

  private async closeOnce (): Promise<void> {
    // An open that failed has already said so to its caller; what it did open is undone below all the same.
    if (this.#opening) await this.#opening.catch(() => undefined)
    await this._close()
    this.closed = true
  }
}
