// The portal's port, in front of node:http: a request for a file already in memory (the thumbnails and pages
// every phone on the hotspot asks for) is answered straight from the socket, without the objects node:http
// builds per request, which cost more than the answer itself and, at 200 connections, leave some phones
// waiting a quarter of a second (bench/README.md). Any request it does not answer itself — another path, a
// body, HTTP/1.0, an odd header — and everything after it on that connection is handed to node:http unchanged.
// When many connections arrive at once, the ones already open wait until all are in (accept-burst.ts).
import net from 'node:net'
import { maxHeaderSize as DEFAULT_MAX_HEADER_SIZE, type Server as HttpServer } from 'node:http'
import { AcceptBurst, type AcceptBurstOptions } from './accept-burst.js'

/** What a hot answer reads of a request. */
export interface HotRequest { method: string, url: string, headers: Record<string, string | undefined> }

/** What a hot answer writes: node:http's ServerResponse has the same two calls. */
export interface HeadWriter {
  writeHead (status: number, headers: string[]): { end (body?: Buffer | string): unknown }
  end (body?: Buffer | string): unknown
}

/** Writes the whole answer synchronously and returns true, or writes nothing and returns false. */
export type HotAnswer = (req: HotRequest, res: HeadWriter) => boolean

// A client that asks and asks without reading (a pipelining flood) stops being read past this much unsent.
const MAX_UNSENT = 1024 * 1024
const STATUS: Record<number, string> = { 200: 'OK', 206: 'Partial Content', 304: 'Not Modified', 416: 'Range Not Satisfiable' }

export class FrontDoor {
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()
  private readonly burst: AcceptBurst

  constructor (private readonly http: HttpServer, private readonly answer: HotAnswer, burst: AcceptBurstOptions = {}) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket))
    this.burst = new AcceptBurst(burst)
  }

  get netServer (): net.Server { return this.server }

  /** Sockets still answered here (not yet handed to node:http), for shutdown. */
  close (): void {
    this.burst.close()
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  private accept (socket: net.Socket): void {
    // The limits are node:http's own, read from the server behind the door so both sides keep the same rules:
    // the largest head; the idle time between requests (keep-alive); the time a head arriving in pieces has to
    // be whole (a client dripping a header line a second would otherwise keep the idle timer from firing); and
    // the idle time while an answer is still going out to a slow phone.
    const maxHead: number = (this.http as { maxHeaderSize?: number }).maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE
    const { keepAliveTimeout, headersTimeout, timeout: sendingTimeout } = this.http
    this.burst.accepted()
    this.sockets.add(socket)
    let pending: Buffer | null = null
    let headTimer: NodeJS.Timeout | null = null
    const stopHeadTimer = () => { if (headTimer) { clearTimeout(headTimer); headTimer = null } }
    let sending = false
    const onDrain = () => { if (sending) { sending = false; socket.setTimeout(keepAliveTimeout) } }
    const onTimeout = () => socket.destroy()
    const onError = () => socket.destroy()
    const onClose = () => { stopHeadTimer(); this.sockets.delete(socket) }
    const handOff = (rest: Buffer) => {
      stopHeadTimer()
      socket.removeListener('data', onData)
      socket.removeListener('drain', onDrain)
      socket.removeListener('timeout', onTimeout)
      socket.removeListener('error', onError)
      socket.removeListener('close', onClose)
      socket.setTimeout(0)
      this.sockets.delete(socket)
      socket.pause()
      if (rest.length) socket.unshift(rest)
      this.http.emit('connection', socket)
      socket.resume()
    }
    const onData = (chunk: Buffer): void => {
      if (this.burst.hold(socket, chunk, onData)) return
      let data = pending ? Buffer.concat([pending, chunk]) : chunk
      pending = null
      while (data.length) {
        const end = data.indexOf('\r\n\r\n')
        // node:http also takes lines ending in a bare LF, which this door's parser does not look for.
        if (bareLf(data, end === -1 ? data.length : end)) return handOff(data)
        if (end === -1) {
          if (data.length > maxHead) return handOff(data)
          pending = data
          if (headersTimeout > 0) headTimer ??= setTimeout(() => socket.destroy(), headersTimeout)
          return
        }
        stopHeadTimer()
        const req = end <= maxHead ? parseHead(data.toString('latin1', 0, end)) : null
        if (!req) return handOff(data)
        const res = new RawResponse(req.method === 'HEAD', keepAliveTimeout)
        if (!this.answer(req, res)) return handOff(data)
        if (res.head === null) { socket.destroy(); return }
        socket.cork()
        socket.write(res.head, 'latin1')
        if (res.body) socket.write(res.body)
        socket.uncork()
        // Usually the kernel took it all at once; if not, the phone is still receiving, and that is not idling.
        if (socket.writableLength > 0 && !sending) { sending = true; socket.setTimeout(sendingTimeout) }
        data = data.subarray(end + 4)
        if (socket.writableLength > MAX_UNSENT) {
          socket.pause()
          socket.once('drain', () => socket.resume())
        }
      }
    }
    socket.on('data', onData)
    socket.on('drain', onDrain)
    socket.on('timeout', onTimeout)
    socket.on('error', onError)
    socket.on('close', onClose)
    socket.setTimeout(keepAliveTimeout)
  }
}

/**
 * The request line and headers of a plain GET or HEAD over HTTP/1.1, or null for anything else: node:http
 * answers those (and rejects what is malformed) with all its rules.
 */
export function parseHead (head: string): HotRequest | null {
  const lineEnd = head.indexOf('\r\n')
  const line = lineEnd === -1 ? head : head.slice(0, lineEnd)
  const m = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.1$/.exec(line)
  if (!m) return null
  const headers: Record<string, string> = {}
  if (lineEnd !== -1) {
    for (const field of head.slice(lineEnd + 2).split('\r\n')) {
      const colon = field.indexOf(':')
      if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(field.slice(0, colon))) return null
      const name = field.slice(0, colon).toLowerCase()
      // Repeated fields, bodies, upgrades, expectations and closing are node:http's to handle.
      if (name in headers || name === 'content-length' || name === 'transfer-encoding' || name === 'upgrade' ||
          name === 'expect' || (name === 'connection' && !/^\s*keep-alive\s*$/i.test(field.slice(colon + 1)))) return null
      const value = field.slice(colon + 1).trim()
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return null
      headers[name] = value
    }
  }
  // HTTP/1.1 without Host is an error node:http answers.
  if (!headers.host) return null
  return { method: m[1], url: m[2], headers }
}

/** A LF not preceded by CR before `limit`. */
function bareLf (data: Buffer, limit: number): boolean {
  for (let i = data.indexOf(10); i !== -1 && i < limit; i = data.indexOf(10, i + 1)) {
    if (i === 0 || data[i - 1] !== 13) return true
  }
  return false
}

let dateSecond = 0
let dateText = ''
function httpDate (): string {
  const now = Date.now()
  if (now - dateSecond >= 1000) { dateSecond = now - (now % 1000); dateText = new Date(dateSecond).toUTCString() }
  return dateText
}

/** An answer collected as bytes: the head as node:http would write it, and the body. */
class RawResponse implements HeadWriter {
  head: string | null = null
  body: Buffer | null = null
  private status = 0
  private headers: string[] = []

  constructor (private readonly headOnly: boolean, private readonly keepAliveMs: number) {}

  writeHead (status: number, headers: string[]): this {
    this.status = status
    this.headers = headers
    return this
  }

  end (body?: Buffer | string): void {
    if (body !== undefined && !this.headOnly) this.body = typeof body === 'string' ? Buffer.from(body) : body
    const h = this.headers
    let text = `HTTP/1.1 ${this.status} ${STATUS[this.status] ?? ''}\r\n`
    let hasLength = false
    for (let i = 0; i < h.length; i += 2) {
      if (!hasLength && h[i].length === 14 && h[i].toLowerCase() === 'content-length') hasLength = true
      text += `${h[i]}: ${h[i + 1]}\r\n`
    }
    // Keep-alive needs every body delimited; node:http would have chunked it.
    if (!hasLength && this.status !== 304 && !this.headOnly) text += `Content-Length: ${this.body?.length ?? 0}\r\n`
    this.head = text + `Date: ${httpDate()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.keepAliveMs / 1000)}\r\n\r\n`
  }
}
