// The socket half both root helpers share (p2p-portal-netd, p2p-portal-updater): one JSON request per line on a
// unix socket, one JSON reply per line, in order. Each helper keeps only its parsing and handling (`answer`).
import net from 'node:net'
import type { Logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'
import { removeStaleSocket } from './stale-socket.js'

export interface LineServerOptions {
  /** The helper's name in messages: 'p2p-portal-netd'. */
  who: string
  log: Logger
  /** Answers one request line; a failure is a reply, so it should not throw. */
  answer: (line: string) => Promise<unknown>
  /** The one reply sent to a connection whose line is too long, before hanging up. */
  tooLong: (maxLineBytes: number) => unknown
  /** Listen on this path (tests, manual runs)... */
  path?: string
  /** ...or on a listening socket inherited from systemd (socket activation): its fd, 3. */
  fd?: number
  /** Close after this long with no connection and no work (then emit 'idle'); 0 = never. */
  idleTimeoutMs?: number
  /** Longest request line; anything longer is refused and its connection closed. */
  maxLineBytes?: number
  /** A client that connects and sends no complete line within this time is dropped. */
  requestTimeoutMs?: number
  /** close() waits for answers under way (netd: an nmcli change must not stop halfway); else they are left. */
  finishAnswersOnClose?: boolean
}

export class LineServer extends Resource {
  private readonly opts: LineServerOptions
  private readonly log: Logger
  private readonly idleTimeoutMs: number
  readonly maxLineBytes: number
  private readonly requestTimeoutMs: number
  // Half-open: a client such as `nc -U` ends its side right after the request and still waits for the reply.
  private readonly server = net.createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket))
  private readonly sockets = new Set<net.Socket>()
  private readonly work = new Set<Promise<void>>()
  private idleTimer: NodeJS.Timeout | null = null

  constructor (name: string, opts: LineServerOptions) {
    super()
    if ((opts.path === undefined) === (opts.fd === undefined)) throw new Error(`${name} needs either path or fd`)
    this.opts = opts
    this.log = opts.log
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 0
    this.maxLineBytes = opts.maxLineBytes ?? 4096
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000
  }

  protected override async _open (): Promise<void> {
    const { path, fd } = this.opts
    if (path !== undefined) await removeStaleSocket(path, this.opts.who)
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(fd !== undefined ? { fd } : { path: path! }, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.server.on('error', (err) => this.log.error(`listening socket failed: ${err.message}`))
    this.log.info(`listening on ${fd !== undefined ? `fd ${fd} (socket activation)` : path}`)
    this.armIdle()
  }

  protected override async _close (): Promise<void> {
    this.disarmIdle()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    if (this.opts.finishAnswersOnClose === true) await Promise.all([...this.work])
    await closed
  }

  private onConnection (socket: net.Socket): void {
    if (this.isClosing) return void socket.destroy()
    this.sockets.add(socket)
    this.disarmIdle()
    let buffered = Buffer.alloc(0)
    let queue = Promise.resolve()
    let refused = false
    socket.setTimeout(this.requestTimeoutMs, () => socket.destroy())
    socket.on('error', (err) => this.log.debug(`client connection: ${err.message}`))
    socket.on('end', () => {
      queue = queue.then(() => { socket.end() })
    })
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.armIdle()
    })
    socket.on('data', (chunk: Buffer) => {
      if (refused) return
      buffered = Buffer.concat([buffered, chunk])
      let end: number
      while ((end = buffered.indexOf(0x0a)) !== -1 && end <= this.maxLineBytes) {
        const line = buffered.subarray(0, end).toString('utf8')
        buffered = buffered.subarray(end + 1)
        queue = queue.then(() => this.answer(socket, line))
      }
      if (buffered.length > this.maxLineBytes || end > this.maxLineBytes) {
        // There is no telling where the next request would start: refuse, answer once, hang up.
        refused = true
        queue = queue.then(() => {
          reply(socket, this.opts.tooLong(this.maxLineBytes))
          socket.end()
        })
      }
    })
  }

  private async answer (socket: net.Socket, line: string): Promise<void> {
    socket.setTimeout(0)
    const done = this.opts.answer(line).then((res) => reply(socket, res)).catch((err: Error) => {
      this.log.error(`answering failed: ${err.message}`)
    })
    this.work.add(done)
    try {
      await done
    } finally {
      this.work.delete(done)
      if (!socket.destroyed) socket.setTimeout(this.requestTimeoutMs)
      this.armIdle()
    }
  }

  private armIdle (): void {
    if (this.idleTimeoutMs === 0 || this.isClosing || this.sockets.size > 0 || this.work.size > 0) return
    this.disarmIdle()
    this.idleTimer = setTimeout(() => {
      this.log.info(`no requests for ${Math.round(this.idleTimeoutMs / 1000)} s: exiting until the next one`)
      this.close().then(() => this.emit('idle'), (err: Error) => this.emit('error', err))
    }, this.idleTimeoutMs)
  }

  private disarmIdle (): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }
}

function reply (socket: net.Socket, res: unknown): void {
  if (socket.writable) socket.write(JSON.stringify(res) + '\n')
}
