// The node's side of a root helper's socket: one connection per request (systemd may have stopped or restarted
// the helper in between), one JSON line out, one JSON line back. Each helper's client turns the reply, and every
// way of not getting one, into its own typed errors.
import net from 'node:net'
import { Resource } from '../lifecycle/resource.js'

const MAX_REPLY_BYTES = 1024 * 1024

/** What the caller is told for each way a request can fail to get a reply. */
export interface LineClientErrors {
  closed: () => Error
  abandoned: () => Error
  timeout: (seconds: number) => Error
  oversized: () => Error
  notJson: () => Error
  hungUp: () => Error
  connect: (err: NodeJS.ErrnoException, path: string) => Error
}

export class LineClient extends Resource {
  readonly path: string
  private readonly errors: LineClientErrors
  private readonly pending = new Map<net.Socket, (err: Error) => void>()

  constructor (path: string, errors: LineClientErrors) {
    super()
    this.path = path
    this.errors = errors
  }

  /** Abandons requests in flight: their replies are dropped (the helper still finishes the work). */
  protected override async _close (): Promise<void> {
    for (const fail of [...this.pending.values()]) fail(this.errors.abandoned())
  }

  /** Sends one request; resolves with the parsed reply line, whatever JSON it holds. */
  request (req: unknown, timeoutMs: number): Promise<unknown> {
    if (this.isClosing) return Promise.reject(this.errors.closed())
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.path)
      let received = Buffer.alloc(0)
      let settled = false
      const settle = (err: Error | null, res?: unknown) => {
        if (settled) return
        settled = true
        this.pending.delete(socket)
        socket.destroy()
        if (err !== null) reject(err)
        else resolve(res)
      }
      this.pending.set(socket, settle)
      socket.setTimeout(timeoutMs, () => settle(this.errors.timeout(Math.round(timeoutMs / 1000))))
      socket.on('connect', () => socket.write(JSON.stringify(req) + '\n'))
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        const end = received.indexOf(0x0a)
        if (end === -1) {
          if (received.length > MAX_REPLY_BYTES) settle(this.errors.oversized())
          return
        }
        let res: unknown
        try {
          res = JSON.parse(received.subarray(0, end).toString('utf8'))
        } catch {
          return settle(this.errors.notJson())
        }
        settle(null, res)
      })
      socket.on('error', (err: NodeJS.ErrnoException) => settle(this.errors.connect(err, this.path)))
      socket.on('close', () => settle(this.errors.hungUp()))
    })
  }
}
