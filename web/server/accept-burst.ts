// libuv (since 1.45; Node 20 has 1.46) accepts one connection per turn of the event loop, and every turn also
// answers each open connection that has a request waiting. So when many phones connect at once while others are
// busy (a class scanning the same QR code), the last one in waits as many turns as there are newcomers, each as
// long as a round of answers to everybody else: 200 connections opened at once while the first ones were already
// being answered waited up to 370 ms for their first byte (bench/README.md). nginx has `multi_accept` for this;
// this is the same idea from above libuv: while turns keep accepting connections, requests read from the
// connections already open wait, their sockets paused, so the turns are short and the newcomers are all in within
// a few milliseconds; then everyone is answered, in the order they asked.
// Bounded so that a stream of connections cannot starve the open ones: a hold lasts at most `maxHoldMs`, is then
// followed by as long without one, and stops holding more once `maxHeldBytes` are waiting.
import type { Socket } from 'node:net'

export interface AcceptBurstOptions {
  maxHoldMs?: number
  maxHeldBytes?: number
  /** Milliseconds, for the hold's limit (tests pass their own clock). */
  now?: () => number
}

interface Held { socket: Socket, chunk: Buffer, handle: (chunk: Buffer) => void }

export class AcceptBurst {
  private readonly maxHoldMs: number
  private readonly maxHeldBytes: number
  private readonly now: () => number
  private acceptedThisTurn = false
  private holding = false
  private holdStarted = 0
  private noHoldBefore = 0
  private turnEnd: NodeJS.Immediate | null = null
  private held: Held[] = []
  private heldBytes = 0

  constructor (opts: AcceptBurstOptions = {}) {
    this.maxHoldMs = opts.maxHoldMs ?? 20
    this.maxHeldBytes = opts.maxHeldBytes ?? 1024 * 1024
    this.now = opts.now ?? (() => performance.now())
  }

  /** A connection was accepted in this turn of the event loop. */
  accepted (): void {
    this.acceptedThisTurn = true
    this.turnEnd ??= setImmediate(this.endTurn)
  }

  /**
   * Keeps `chunk` (and pauses `socket`) while a burst of connections is being accepted, to be given to `handle`
   * when it is over; false when there is no burst and the caller handles it now.
   */
  hold (socket: Socket, chunk: Buffer, handle: (chunk: Buffer) => void): boolean {
    if (!this.holding || this.heldBytes >= this.maxHeldBytes) return false
    // Paused, the socket delivers nothing more until its held chunk is handled, so its requests stay in order.
    socket.pause()
    this.held.push({ socket, chunk, handle })
    this.heldBytes += chunk.length
    return true
  }

  /** Drops what is held (the sockets are being destroyed) and stops watching turns. */
  close (): void {
    if (this.turnEnd) clearImmediate(this.turnEnd)
    this.turnEnd = null
    this.holding = false
    this.held = []
    this.heldBytes = 0
  }

  // Runs after the turn's I/O (setImmediate); while it is pending the loop polls without sleeping.
  private readonly endTurn = (): void => {
    this.turnEnd = null
    const accepted = this.acceptedThisTurn
    this.acceptedThisTurn = false
    const now = this.now()
    if (accepted && !this.holding && now >= this.noHoldBefore) {
      this.holding = true
      this.holdStarted = now
    }
    if (accepted && this.holding) {
      if (now - this.holdStarted < this.maxHoldMs && this.heldBytes < this.maxHeldBytes) {
        this.turnEnd = setImmediate(this.endTurn)
        return
      }
      this.noHoldBefore = now + this.maxHoldMs // cut short by a limit: the open connections get as long
    }
    this.holding = false
    const held = this.held
    this.held = []
    this.heldBytes = 0
    for (const { socket, chunk, handle } of held) {
      if (socket.destroyed) continue
      // resume() takes effect on the next tick, so a pause the handler makes (backpressure, hand-off) still holds.
      socket.resume()
      handle(chunk)
    }
  }
}
